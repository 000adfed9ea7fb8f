/**
 * The one network.json loader (no network needed): a valid description loads,
 * and a wrong one is refused with the field and the rule in the message.
 */
import { expect } from "chai";
import { findUser, heldCertificates, parseNetworkDescription } from "../../gateway/src/adapters/fabric-network.js";

function validDescription(): Record<string, unknown> {
  const files = (dir: string) => ({ certPath: `/d/${dir}/cert.pem`, keyPath: `/d/${dir}/key.pem`, tlsCertPath: `/d/${dir}/tls.crt`, tlsKeyPath: `/d/${dir}/tls.key` });
  return {
    channels: [{ name: "mfr-dist", orgs: ["ManufacturerMSP"] }],
    chaincode: "rxtrace",
    mutualTls: true,
    orgs: [
      {
        name: "manufacturer",
        mspId: "ManufacturerMSP",
        peer: { endpoint: "127.0.0.1:7051", hostOverride: "peer.manufacturer.rxtrace", tlsCaCertPath: "/d/ca.pem" },
        clientTls: { certPath: "/d/apptls.crt", keyPath: "/d/apptls.key" },
        users: [{ name: "quality", role: "quality", ...files("quality") }],
        admin: { name: "admin", role: "admin", ...files("admin") },
      },
    ],
    orderers: [{ name: "manufacturer", mspId: "ManufacturerOrdererMSP", endpoint: "127.0.0.1:7050", hostOverride: "orderer.manufacturer.rxtrace", tlsCaCertPath: "/d/ca.pem" }],
  };
}

describe("parseNetworkDescription", () => {
  it("loads a valid description and finds a user and the admin by name", () => {
    const network = parseNetworkDescription(validDescription());
    const org = network.orgs[0]!;
    expect(findUser(org, "quality")?.role).to.equal("quality");
    expect(findUser(org, "admin")?.certPath).to.equal("/d/admin/cert.pem");
  });

  it("names the field when a user's key path is relative", () => {
    const content = validDescription();
    const org = (content.orgs as Record<string, unknown>[])[0]!;
    (org.users as Record<string, unknown>[])[0]!.keyPath = "users/quality/key.pem";
    expect(() => parseNetworkDescription(content)).to.throw("network.json /orgs/0/users/0/keyPath: Expected string to match '^/'");
  });

  it("names the field when the org's TLS client certificate is missing", () => {
    const content = validDescription();
    delete (content.orgs as Record<string, unknown>[])[0]!.clientTls;
    expect(() => parseNetworkDescription(content)).to.throw("network.json /orgs/0/clientTls: Expected required property");
  });

  it("refuses a description that does not say whether TLS is mutual", () => {
    const content = validDescription();
    content.mutualTls = "yes";
    expect(() => parseNetworkDescription(content)).to.throw("network.json /mutualTls: Expected boolean");
  });

  it("finds no user the org does not have", () => {
    const org = parseNetworkDescription(validDescription()).orgs[0]!;
    expect(findUser(org, "pharmacist")).to.equal(undefined);
  });
});

describe("heldCertificates", () => {
  it("lists each user's and the admin's enrolment and TLS certificates, the application TLS certificate and each trusted TLS CA once", () => {
    const held = heldCertificates(parseNetworkDescription(validDescription()));
    expect(held).to.deep.equal([
      { kind: "enrolment", owner: "ManufacturerMSP/quality", path: "/d/quality/cert.pem" },
      { kind: "tls-client", owner: "ManufacturerMSP/quality", path: "/d/quality/tls.crt" },
      { kind: "enrolment", owner: "ManufacturerMSP/admin", path: "/d/admin/cert.pem" },
      { kind: "tls-client", owner: "ManufacturerMSP/admin", path: "/d/admin/tls.crt" },
      { kind: "tls-client", owner: "ManufacturerMSP/applications", path: "/d/apptls.crt" },
      // The orderer's CA is the peer's CA file: listed once, under the peer's org.
      { kind: "tls-ca", owner: "ManufacturerMSP", path: "/d/ca.pem" },
    ]);
  });
});
