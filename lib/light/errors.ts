// A response from a chain endpoint that failed verification: the light client rejects it and moves to another endpoint.
export class VerificationError extends Error {
  override name = "VerificationError";
}
