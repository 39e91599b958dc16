// The device twin: desired properties (cluster state, on chain) and reported ones (from the device), kept in the
// proxy's SQLite database so both survive restarts; the delta is what the device still has to apply.

export type Twin = { device: string; desired: Record<string, unknown>; desiredVersion: number; reported: Record<string, unknown>; reportedAt: string | null };

/** Desired properties whose value differs from the reported one. */
export function twinDelta(twin: Pick<Twin, "desired" | "reported">): Record<string, unknown> {
  return Object.fromEntries(Object.entries(twin.desired).filter(([k, v]) => JSON.stringify(twin.reported[k]) !== JSON.stringify(v)));
}

export function deltaMessage(twin: Twin): string {
  return JSON.stringify({ version: twin.desiredVersion, delta: twinDelta(twin) });
}

export function twinMessage(twin: Twin): string {
  return JSON.stringify({ version: twin.desiredVersion, desired: twin.desired, reported: twin.reported });
}

/** A JSON object from a payload, or null. */
export function jsonObject(payload: Buffer | string): Record<string, unknown> | null {
  try {
    const v = JSON.parse(payload.toString());
    return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
