// A response from a chain endpoint that failed verification: the light client rejects it and moves to another endpoint.
// When no endpoint gives a verifiable answer the error reaches the user as one readable line.
import { UserError } from "../errors";

export class VerificationError extends UserError {
  override name = "VerificationError";
}
