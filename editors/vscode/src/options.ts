// How the extension's settings become the server's command line and initializationOptions.
// Kept free of the `vscode` module so that it can be run and checked outside VS Code.

export const MEND_COMMAND = "proofmend.mendProof";
export const CANCEL_COMMAND = "proofmend.cancelMends";

/** The `proofmend.*` settings, as read from the workspace configuration. */
export interface Settings {
  executable?: string;
  model?: string;
  apiBase?: string;
  timeout?: number;
  attempts?: number;
}

/** The executable and arguments that start the language server. */
export function serverCommand(settings: Settings): { command: string; args: string[] } {
  const command = (settings.executable ?? "").trim() || "proofmend";
  return { command, args: ["serve"] };
}

/** The server's initializationOptions: only the keys that are set, with the server's names and types. */
export function initializationOptions(settings: Settings): Record<string, string | number> {
  const options: Record<string, string | number> = {};
  const model = (settings.model ?? "").trim();
  if (model) {
    options.model = model;
  }
  const apiBase = (settings.apiBase ?? "").trim();
  if (apiBase) {
    options.apiBase = apiBase;
  }
  if (typeof settings.timeout === "number" && settings.timeout > 0) {
    options.timeout = settings.timeout;
  }
  if (typeof settings.attempts === "number" && settings.attempts >= 1) {
    options.attempts = Math.floor(settings.attempts);
  }
  return options;
}

/** The status-bar text while `count` mends run. */
export function statusText(count: number): string {
  const what = count === 1 ? "a proof" : `${count} proofs`;
  return `$(sync~spin) Mending ${what} $(close)`;
}
