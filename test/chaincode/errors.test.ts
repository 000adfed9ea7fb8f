import { expect } from "chai";
import { ChaincodeError, ERROR_CODES, canonicalJson, invalidArgument, parseChaincodeError } from "../../chaincode/src/index.js";

describe("chaincode errors", () => {
  it("carry a compact JSON message with code, field and rule", () => {
    const error = invalidArgument("gtin", "check digit must be 3");
    expect(error).to.be.instanceOf(ChaincodeError);
    expect(error.message).to.equal('{"code":"INVALID_ARGUMENT","field":"gtin","message":"gtin: check digit must be 3"}');
  });

  it("omit the field when no single argument is at fault", () => {
    expect(new ChaincodeError(ERROR_CODES.FORBIDDEN, "no").message).to.equal('{"code":"FORBIDDEN","message":"no"}');
  });
});

describe("parseChaincodeError", () => {
  const body = '{"code":"NOT_FOUND","field":"serial","message":"pack 09521234543213/S1 not found"}';

  it("reads the bare message", () => {
    expect(parseChaincodeError(body)).to.deep.equal({ code: "NOT_FOUND", field: "serial", message: "pack 09521234543213/S1 not found" });
  });

  it("finds the JSON inside Fabric's wrapping", () => {
    expect(parseChaincodeError(`chaincode response 500, ${body}`)?.code).to.equal("NOT_FOUND");
    expect(parseChaincodeError(`10 ABORTED: failed to endorse transaction, see attached details for more info; details: [{"address":"peer0:7051","message":"chaincode response 500, ${body.replace(/"/g, '\\"')}"}]`)?.message).to.equal("pack 09521234543213/S1 not found");
    expect(parseChaincodeError(`error in simulation: transaction returned with failure: ${body} (trailing)`)?.field).to.equal("serial");
  });

  it("returns undefined for prose, unknown codes and malformed bodies", () => {
    expect(parseChaincodeError("connection refused")).to.equal(undefined);
    expect(parseChaincodeError('{"code":"TEAPOT","message":"x"}')).to.equal(undefined);
    expect(parseChaincodeError('{"code":"CONFLICT"}')).to.equal(undefined);
    expect(parseChaincodeError('{"code":"CONFLICT","message":"x","field":3}')).to.equal(undefined);
    expect(parseChaincodeError("[1,2]")).to.equal(undefined);
  });
});

describe("canonical JSON", () => {
  it("sorts keys at every depth and drops undefined members", () => {
    expect(canonicalJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: undefined } })).to.equal('{"a":{"d":[{"y":2,"z":1}]},"b":1}');
  });
});
