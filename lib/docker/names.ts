// Container names: `ea-<nodeName>-<app>-<replica>`, cleaned up to what Docker accepts.

/** Docker allows [a-zA-Z0-9][a-zA-Z0-9_.-]*; anything else becomes "-". */
export function sanitizeName(raw: string): string {
  const cleaned = raw.replace(/[^a-zA-Z0-9_.-]+/g, "-").replace(/-{2,}/g, "-");
  const trimmed = cleaned.replace(/^[^a-zA-Z0-9]+/, "").slice(0, 200);
  return trimmed === "" ? "unnamed" : trimmed;
}

export function containerName(nodeName: string, app: string, replica: number): string {
  return sanitizeName(`ea-${nodeName}-${app}-${replica}`);
}

/** The same name made unique with part of the app id, for two apps whose names sanitize alike. */
export function disambiguatedName(nodeName: string, app: string, replica: number, appId: string): string {
  return sanitizeName(`ea-${nodeName}-${app}-${appId.replace(/^0x/i, "").slice(0, 8)}-${replica}`);
}
