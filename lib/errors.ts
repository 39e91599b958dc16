// Errors a user can act on. The CLI prints their message as one line and exits non-zero, never a stack trace.

export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = "UserError";
  }
}

/** Message of anything thrown, for wrapping into a UserError. */
export function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
