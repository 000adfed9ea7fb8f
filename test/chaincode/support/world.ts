import { expect } from "chai";
import { ChaincodeError, type ErrorCode } from "../../../chaincode/src/index.js";

export * from "../../../support/chaincode-world.js";

/** Awaits a rejected call and checks its stable code (and field); returns the error. */
export async function expectError(call: Promise<unknown>, code: ErrorCode, field?: string): Promise<ChaincodeError> {
  let caught: unknown;
  try {
    await call;
  } catch (error) {
    caught = error;
  }
  expect(caught, "the call should have failed").to.be.instanceOf(ChaincodeError);
  const error = caught as ChaincodeError;
  expect(error.code).to.equal(code);
  if (field !== undefined) expect(error.field).to.equal(field);
  return error;
}
