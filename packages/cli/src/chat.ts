import { randomUUID } from "node:crypto";
import { clearLine, createInterface, cursorTo } from "node:readline";
import { parseStreamPath, TributaryError } from "@tributary/protocol";
import { CliError } from "./cli-error.ts";
import { clientFlags, clientFlagsHelp, clientFromFlags, talkingToServer } from "./client-flags.ts";
import type { Command } from "./commands.ts";
import { parseFlags } from "./parse-flags.ts";

const help = `Usage: tributary chat <path> [options]

A terminal chat with the agent on <path>: each line you type is appended as agent-input-added, and the
agent's streamed answer, tool calls and results are shown as they arrive. Run an agent on the path with
'tributary agent <path>'. Typing while it answers interrupts it (--queue: waits instead). Ctrl-D waits for
the last answer, then quits; Ctrl-C quits now. Piped input is sent line by line, each after the last answer.

Options:
${clientFlagsHelp}
  --queue             queue inputs behind a running answer instead of interrupting it
  -h, --help          show this help`;

export const chatCommand: Command = {
  summary: "chat with an agent in the terminal",
  async run(argv) {
    const { values, positionals } = parseFlags("chat", argv, { ...clientFlags, queue: { type: "boolean" } });
    if (values.help) {
      console.log(help);
      return 0;
    }
    if (positionals.length !== 1) throw new CliError("give exactly one stream path, e.g. tributary chat /me/agent. See 'tributary chat --help'.");
    let path: string;
    try {
      path = parseStreamPath(positionals[0]!);
    } catch (error) {
      throw new CliError((error as Error).message);
    }
    const client = clientFromFlags(values);
    const head = await talkingToServer(client, () => client.head(path));
    const { createChatRenderer } = await import("@tributary/agent/chat");
    const tty = process.stdout.isTTY === true;
    const session = randomUUID();
    const renderer = createChatRenderer({ color: tty, session });
    const controller = new AbortController();
    let lastInput = 0;
    let answered = 0;
    let onAnswered: (() => void) | undefined;
    const answerTo = (offset: number) =>
      new Promise<void>((resolve) => {
        onAnswered = () => answered >= offset && resolve();
        onAnswered();
      });
    const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: tty, prompt: "> " });
    let quit = false;
    let onQuit!: () => void;
    const quitting = new Promise<void>((resolve) => (onQuit = resolve));
    const leave = () => {
      quit = true;
      onQuit();
      rl.close();
    };
    rl.on("SIGINT", leave);
    process.once("SIGINT", leave);
    process.once("SIGTERM", leave);
    // In a terminal the prompt line is cleared before output is written over it, and shown again after an answer.
    let promptShown = false;
    const write = (text: string) => {
      if (promptShown) {
        cursorTo(process.stdout, 0);
        clearLine(process.stdout, 0);
        promptShown = false;
      }
      process.stdout.write(text);
    };
    const reader = (async () => {
      for await (const event of client.stream({ path, afterOffset: head, live: true, signal: controller.signal })) {
        const text = renderer.render(event);
        if (text !== "") write(text);
        if (event.type === "agent-run-ended") {
          answered = Math.max(answered, Number(event.payload.inputOffset));
          if (tty) {
            rl.prompt(true);
            promptShown = true;
          }
          onAnswered?.();
        }
      }
    })();
    console.log(`Chatting with ${path} on ${client.baseUrl}. Type a message; Ctrl-D to quit.`);
    const showPrompt = () => {
      if (!tty) return;
      rl.prompt();
      promptShown = true;
    };
    showPrompt();
    for await (const line of rl) {
      const content = line.trim();
      promptShown = false; // Enter moved the cursor to a fresh line
      if (content === "") {
        showPrompt();
        continue;
      }
      try {
        const stored = await client.append({ path, event: { type: "agent-input-added", payload: { content, ...(values.queue ? { policy: "queue" } : {}) }, metadata: { chatSession: session } } });
        lastInput = stored.offset;
        // Piped input is a script: each line waits for the answer to the one before (typing ahead interrupts).
        if (!tty) await Promise.race([answerTo(stored.offset), quitting]);
      } catch (error) {
        const message = error instanceof TributaryError ? `${error.code}: ${error.message}` : (error as Error).message;
        write(`  ✗ could not send: ${message}\n`);
        showPrompt();
      }
    }
    // End of input: wait for the answer to the last message, then leave (Ctrl-C leaves at once).
    if (!quit) await Promise.race([answerTo(lastInput), quitting]);
    controller.abort();
    await reader.catch(() => undefined);
    if (tty) process.stdout.write("\n");
    return quit ? 130 : 0;
  },
};
