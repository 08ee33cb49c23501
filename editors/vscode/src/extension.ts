// Starts `proofmend serve` for Coq files, beside VSCoq or coq-lsp, and shows running mends in the
// status bar with a cancel button.
import * as vscode from "vscode";
import {
  ExecuteCommandRequest,
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
} from "vscode-languageclient/node";

import { MEND_COMMAND, Settings, initializationOptions, serverCommand, statusText } from "./options";

let client: LanguageClient | undefined;
let status: vscode.StatusBarItem;
const running = new Set<vscode.CancellationTokenSource>();

function readSettings(): Settings {
  const c = vscode.workspace.getConfiguration("proofmend");
  return {
    executable: c.get<string>("executable"),
    model: c.get<string>("model"),
    apiBase: c.get<string>("apiBase"),
    timeout: c.get<number>("timeout"),
    attempts: c.get<number>("attempts"),
  };
}

function showRunning(): void {
  if (running.size === 0) {
    status.hide();
    return;
  }
  status.text = statusText(running.size);
  status.tooltip = "proofmend is mending a proof. Click to cancel.";
  status.show();
}

// The mend command goes out with a cancellation token: cancelling it sends $/cancelRequest,
// and the server ends the provers of that mend.
async function mendWithCancel(command: string, args: unknown[]): Promise<unknown> {
  const source = new vscode.CancellationTokenSource();
  running.add(source);
  showRunning();
  try {
    return await client!.sendRequest(ExecuteCommandRequest.type, { command, arguments: args }, source.token);
  } catch (error) {
    if (source.token.isCancellationRequested) {
      return undefined;
    }
    throw error;
  } finally {
    running.delete(source);
    source.dispose();
    showRunning();
  }
}

function cancelAll(): void {
  for (const source of running) {
    source.cancel();
  }
}

async function startClient(): Promise<void> {
  const settings = readSettings();
  const { command, args } = serverCommand(settings);
  const serverOptions: ServerOptions = { command, args };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ language: "coq" }],
    initializationOptions: initializationOptions(settings),
    middleware: {
      executeCommand: (cmd, cmdArgs, next) => (cmd === MEND_COMMAND ? mendWithCancel(cmd, cmdArgs) : next(cmd, cmdArgs)),
    },
  };
  client = new LanguageClient("proofmend", "proofmend", serverOptions, clientOptions);
  try {
    await client.start();
  } catch (error) {
    void vscode.window.showErrorMessage(
      `proofmend: could not start '${command} serve' (${String(error)}). Set "proofmend.executable" to the proofmend program.`,
    );
  }
}

async function stopClient(): Promise<void> {
  cancelAll();
  const old = client;
  client = undefined;
  if (old) {
    await old.stop();
  }
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  status = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left, 50);
  status.command = "proofmend.cancel";
  context.subscriptions.push(
    status,
    vscode.commands.registerCommand("proofmend.cancel", cancelAll),
    vscode.commands.registerCommand("proofmend.restart", async () => {
      await stopClient();
      await startClient();
    }),
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (event.affectsConfiguration("proofmend")) {
        await stopClient();
        await startClient();
      }
    }),
  );
  await startClient();
}

export function deactivate(): Promise<void> {
  return stopClient();
}
