// The built package (chaincode/dist, compiled by tsc with decorator metadata)
// loaded the way `fabric-chaincode-node server` loads it, and driven through
// fabric-shim's own dispatcher: "contract:Function" routing, parameter
// marshalling from metadata, certificate attributes, and error responses.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { expect } from "chai";
import { parseChaincodeError } from "../../chaincode/src/index.js";
import { FakeNetwork } from "../../support/fabric-double.js";
import { GTIN, productInput } from "./support/world.js";

const require = createRequire(import.meta.url);
const modulePath = resolve(import.meta.dirname, "../../chaincode");

interface ShimChaincode {
  Invoke(stub: unknown): Promise<{ status: number; message?: string; payload?: Uint8Array }>;
}

/** A self-signed certificate, with Fabric CA's attribute extension when attrs are given. */
function certificate(cn: string, attrs?: Record<string, string>, ou?: string): string {
  const dir = mkdtempSync(join(tmpdir(), "rxtrace-cert-"));
  try {
    const args = ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"), "-days", "1", "-subj", ou ? `/OU=${ou}/CN=${cn}` : `/CN=${cn}`];
    if (attrs) args.push("-addext", `1.2.3.4.5.6.7.8.1=DER:${Buffer.from(JSON.stringify({ attrs })).toString("hex")}`);
    execFileSync("openssl", args, { stdio: "ignore" });
    return readFileSync(join(dir, "cert.pem"), "utf8");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("the built chaincode served through fabric-shim", function () {
  this.timeout(20_000);
  let chaincode: ShimChaincode;
  const certs = { regulator: "", regulatorAdmin: "", manufacturer: "", quality: "" };

  before(() => {
    const Bootstrap = require("fabric-shim/lib/contract-spi/bootstrap.js");
    const ChaincodeFromContract = require("fabric-shim/lib/contract-spi/chaincodefromcontract.js");
    const info = Bootstrap.getInfoFromContract(modulePath);
    // The dispatcher appends its system contract to the array it is given: pass a copy.
    chaincode = new ChaincodeFromContract([...info.contracts], info.serializers, {}, info.title, info.version) as ShimChaincode;
    certs.regulator = certificate("auditor", { "rxtrace.role": "auditor" });
    certs.regulatorAdmin = certificate("admin", undefined, "admin");
    certs.manufacturer = certificate("admin");
    certs.quality = certificate("quality", { "rxtrace.role": "quality" });
  });

  it("exports every contract under its name from package.json's main", () => {
    const { contracts } = require(modulePath) as { contracts: (new () => { getName(): string })[] };
    expect(contracts.map((C) => new C().getName())).to.deep.equal(["packs", "partners", "products", "shipments", "returns", "aggregation", "crosschannel", "coldchain", "documents", "investigations"]);
  });

  it("routes contract:Function with string arguments and returns the JSON document as the payload", async () => {
    const net = new FakeNetwork({ "mfr-dist": { tradingPartners: [] } });
    const regulator = { mspId: "RegulatorMSP", certificatePem: certs.regulatorAdmin };
    const registered = await net.invokeShim(chaincode, "mfr-dist", regulator, ["partners:RegisterPartner", JSON.stringify({ mspId: "RegulatorMSP", name: "Agency", role: "Regulator" })]);
    expect(registered.status).to.equal(200);
    expect(JSON.parse(registered.payload)).to.include({ mspId: "RegulatorMSP", role: "Regulator" });
    const listed = await net.invokeShim(chaincode, "mfr-dist", regulator, ["partners:ListPartners"]);
    expect(JSON.parse(listed.payload)).to.have.length(1);
    expect(net.ledger("mfr-dist").lastEvent()?.name).to.equal("PartnerRegistered");
  });

  it("answers status 500 with the JSON error body that parseChaincodeError reads", async () => {
    const net = new FakeNetwork({ "mfr-dist": { tradingPartners: [] } });
    const response = await net.invokeShim(chaincode, "mfr-dist", { mspId: "ManufacturerMSP", certificatePem: certs.manufacturer }, ["products:RegisterProduct", JSON.stringify(productInput("09521234543214"))]);
    expect(response.status).to.equal(500);
    expect(parseChaincodeError(`chaincode response 500, ${response.message}`)).to.deep.equal({ code: "INVALID_ARGUMENT", field: "gtin", message: "gtin: check digit must be 3" });
    expect(net.ledger("mfr-dist").state.size).to.equal(0);
  });

  it("reads the rxtrace.role attribute from a Fabric CA certificate: only quality releases a hold", async () => {
    const net = new FakeNetwork({ "mfr-dist": { tradingPartners: [] } });
    const regulator = { mspId: "RegulatorMSP", certificatePem: certs.regulatorAdmin };
    const register = (mspId: string, role: string): Promise<unknown> => net.invokeShim(chaincode, "mfr-dist", regulator, ["partners:RegisterPartner", JSON.stringify({ mspId, name: mspId, role })]);
    await register("RegulatorMSP", "Regulator");
    await register("ManufacturerMSP", "Manufacturer");
    const admin = await net.invokeShim(chaincode, "mfr-dist", { mspId: "ManufacturerMSP", certificatePem: certs.manufacturer }, ["coldchain:ReleaseHold", JSON.stringify({ shipmentId: "S1", reason: "ok" })]);
    expect(parseChaincodeError(admin.message)?.code).to.equal("FORBIDDEN");
    expect(admin.message).to.include("caller has none");
    const quality = await net.invokeShim(chaincode, "mfr-dist", { mspId: "ManufacturerMSP", certificatePem: certs.quality }, ["coldchain:ReleaseHold", JSON.stringify({ shipmentId: "S1", reason: "ok" })]);
    expect(parseChaincodeError(quality.message)).to.include({ code: "NOT_FOUND", field: "shipmentId" });
  });

  it("reports an unknown transaction as an error", async () => {
    const net = new FakeNetwork({ "mfr-dist": { tradingPartners: [] } });
    const response = await net.invokeShim(chaincode, "mfr-dist", { mspId: "RegulatorMSP", certificatePem: certs.regulator }, ["packs:NoSuchThing", GTIN]);
    expect(response.status).to.equal(500);
  });
});
