import { randomUUID } from "node:crypto";
import { clearLine, createInterface, cursorTo } from "node:readline";
import { Writable } from "node:stream";
import { parseStreamPath, TributaryError, type StoredEvent } from "@tributary/protocol";
import { CliError } from "./cli-error.ts";
import { clientFlags, clientFlagsHelp, clientFromFlags, talkingToServer } from "./client-flags.ts";
import type { Command } from "./command.ts";
import { intFlag, parseFlags } from "./parse-flags.ts";

const help = `Usage: tributary chat <path> [options]

A terminal chat with the agent on <path>: it shows the conversation so far, then each line you type is
appended as agent-input-added, and the agent's streamed answer, tool calls and results are shown as they
arrive. Run an agent on the path with 'tributary agent <path>'. A line typed while it answers waits for
the answer (shown as queued; --interrupt: it cancels the answer; --steer: it joins the answer at its next
tool round). Ctrl-C stops the answer (agent-run-stop-requested); a second Ctrl-C, or one with no answer
running, quits. Ctrl-D waits for the last answer, then quits. The exit code is 1 when the last answer
failed (3: the input ended while a call waits for approval, below). Piped input is sent line by line,
each after the last answer.

A tool call that waits for approval (policy ask) is shown with its arguments, and the next line answers
it: y (or yes) approves, n (or no) denies, and what follows n is the reason the model reads
("n not on main"). Piped input answers the same way. Sub-agents' calls (streams below <path>) are asked
here too, named by the sub-agent ("approve helper: shell?"), and answered on its stream. When the input
ends (Ctrl-D, or the end of piped input) while a call waits for approval, the chat says so and exits 3,
leaving the call waiting for an answer from elsewhere (the UI, another chat) or its timeout.

Options:
${clientFlagsHelp}
  --interrupt         a line typed during an answer cancels it and is answered instead
  --steer             a line typed during an answer joins it at the next turn boundary
  --history <n>       how many of the stream's latest events to show on attach (default 2000; 0: none)
  -h, --help          show this help`;

export const chatCommand: Command = {
  summary: "chat with an agent in the terminal",
  async run(argv) {
    const { values, positionals } = parseFlags("chat", argv, {
      ...clientFlags,
      queue: { type: "boolean" },
      interrupt: { type: "boolean" },
      steer: { type: "boolean" },
      history: { type: "string" },
    });
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
    if (values.interrupt && values.steer) throw new CliError("give --interrupt or --steer, not both.");
    const historyEvents = intFlag("history", values.history, 2000, 0, 1_000_000);
    const busyPolicy = values.interrupt ? "interrupt" : values.steer ? "steer" : "queue";
    const client = clientFromFlags(values);
    const head = await talkingToServer(client, () => client.head(path));
    const { createChatRenderer, subStreamLabel } = await import("@tributary/agent/chat");
    const tty = process.stdout.isTTY === true;
    const session = randomUUID();
    const renderer = createChatRenderer({ color: tty, session, path });
    const controller = new AbortController();
    let lastInput = 0;
    let answered = 0;
    let lastOutcome: string | undefined;
    /** Runs in flight, by input offset (from the stream: whoever started them). */
    const running = new Set<number>();
    /**
     * Calls waiting for approval, in order, on this stream and on its sub-agents' streams (`<path>#<callId>`;
     * from the streams: answered here or anywhere else).
     */
    const approvals = new Map<string, { path: string; callId: string; name: string }>();
    const approvalKey = (event: StoredEvent) => `${event.streamPath}#${String(event.payload.callId)}`;
    /** Keeps `approvals` up to date with an event of this stream or a sub-agent's; true when it changed. */
    const trackApproval = (event: StoredEvent): boolean => {
      if (event.type === "agent-tool-call-approval-requested") {
        approvals.set(approvalKey(event), {
          path: event.streamPath,
          callId: String(event.payload.callId),
          name: `${subStreamLabel(path, event.streamPath)}${String(event.payload.name)}`,
        });
        for (const waiter of approvalWaiters) waiter();
        approvalWaiters.clear();
        return true;
      }
      if (event.type === "agent-tool-call-approved" || event.type === "agent-tool-call-denied" || event.type === "agent-tool-call-completed")
        return approvals.delete(approvalKey(event));
      return false;
    };
    const approvalWaiters = new Set<() => void>();
    const approvalAsked = () =>
      new Promise<void>((resolve) => {
        if (approvals.size > 0) resolve();
        else approvalWaiters.add(resolve);
      });
    let onAnswered: (() => void) | undefined;
    const answerTo = (offset: number) =>
      new Promise<void>((resolve) => {
        onAnswered = () => answered >= offset && resolve();
        onAnswered();
      });
    // While an answer streams, what readline echoes (the keys typed ahead) is held back, so it never lands
    // inside the answer; the line shows again with the prompt once the answer is done.
    let muted = tty && head > 0 && historyEvents > 0; // until the conversation so far is shown
    const output = Object.assign(
      new Writable({
        write(chunk, _encoding, done) {
          if (!muted) process.stdout.write(chunk);
          done();
        },
      }),
      { columns: process.stdout.columns, isTTY: tty },
    );
    const rl = createInterface({ input: process.stdin, output, terminal: tty, prompt: "> " });
    let quit = false;
    let onQuit!: () => void;
    const quitting = new Promise<void>((resolve) => (onQuit = resolve));
    const leave = () => {
      quit = true;
      onQuit();
      rl.close();
    };
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
    const showPrompt = () => {
      if (!tty || quit) return;
      muted = false;
      rl.prompt(true);
      promptShown = true;
    };
    // A call waiting for approval takes the prompt (in a terminal) until it is answered.
    const askApproval = () => {
      const [waiting] = approvals.values();
      rl.setPrompt(waiting === undefined ? "> " : `approve ${waiting.name}? [y/n] `);
      if (waiting !== undefined) showPrompt();
      else if (running.size > 0) muted = tty;
    };
    // Ctrl-C: the first stops the answer in flight, the next one (or one with nothing running) quits.
    let stopping = false;
    const interrupt = () => {
      if (stopping || (running.size === 0 && lastInput <= answered)) return leave();
      stopping = true;
      write(renderer.note("  ⏹ stopping the answer (Ctrl-C again to quit)"));
      void client
        .append({
          path,
          event: { type: "agent-run-stop-requested", payload: { reason: "stopped from tributary chat (Ctrl-C)" }, metadata: { chatSession: session } },
        })
        .catch((error: unknown) => write(renderer.note(`  ✗ could not stop: ${(error as Error).message}`)));
    };
    rl.on("SIGINT", interrupt);
    process.on("SIGINT", interrupt);
    process.once("SIGTERM", leave);
    let caughtUp = head === 0 || historyEvents === 0;
    // Sub-agents ask on their own streams: each stream below this one is read for its approval requests
    // (and their answers), which show here with the sub-agent's name and are answered on its stream. Of a
    // stream's past, only the requests still waiting are shown.
    const watched = new Set<string>();
    const subReaders: Promise<void>[] = [];
    const watchSubAgent = (child: string) => {
      if (watched.has(child)) return;
      watched.add(child);
      const approvalTypes = new Set(["agent-tool-call-approval-requested", "agent-tool-call-approved", "agent-tool-call-denied", "agent-tool-call-completed"]);
      subReaders.push(
        (async () => {
          const childHead = await client.head(child, controller.signal);
          const past = new Map<string, StoredEvent>();
          const showPast = () => {
            for (const request of past.values()) write(renderer.render(request));
            past.clear();
            if (caughtUp) askApproval();
          };
          if (childHead === 0) showPast();
          for await (const event of client.stream({ path: child, live: true, signal: controller.signal })) {
            if (approvalTypes.has(event.type)) {
              const changed = trackApproval(event);
              if (event.offset > childHead) {
                if (event.type !== "agent-tool-call-completed") write(renderer.render(event));
                if (changed && caughtUp) askApproval();
              } else if (event.type === "agent-tool-call-approval-requested") past.set(approvalKey(event), event);
              else past.delete(approvalKey(event));
            }
            if (event.offset === childHead) showPast();
          }
        })().catch(() => undefined), // the chat is leaving (or the stream went away): nothing to ask there
      );
    };
    void talkingToServer(client, () => client.tree(path))
      .then((listing) => listing.streams.forEach((stream) => watchSubAgent(stream.path)))
      .catch(() => undefined);
    console.log(`Chatting with ${path} on ${client.baseUrl}. Type a message; Ctrl-C stops an answer; Ctrl-D quits.`);
    const reader = (async () => {
      for await (const event of client.stream({ path, afterOffset: Math.max(0, head - historyEvents), live: true, signal: controller.signal })) {
        const text = renderer.render(event);
        if (text !== "") write(text);
        if (trackApproval(event) && caughtUp) askApproval();
        if (event.type === "stream/child-created") watchSubAgent(String(event.payload.childPath));
        if (event.type === "agent-context-window-opened") {
          running.add(Number(event.payload.inputOffset));
          if (caughtUp) muted = tty;
        }
        if (event.type === "agent-run-ended") {
          running.delete(Number(event.payload.inputOffset));
          answered = Math.max(answered, Number(event.payload.inputOffset));
          lastOutcome = String(event.payload.outcome);
          stopping = false;
          if (caughtUp && running.size === 0) showPrompt();
          onAnswered?.();
        }
        if (!caughtUp && event.offset >= head) {
          caughtUp = true;
          if (approvals.size > 0) askApproval();
          else if (running.size > 0) muted = tty;
          else showPrompt();
        }
      }
    })();
    if (caughtUp) showPrompt();
    for await (const line of rl) {
      const content = line.trim();
      promptShown = false; // Enter moved the cursor to a fresh line
      const [asked] = approvals.values();
      if (asked) {
        const { callId, name, path: askedOn } = asked;
        const answer = /^(y|yes)$/i.test(content) ? { approved: true } : /^(n|no)(\s+(.*))?$/i.exec(content);
        if (!answer) {
          write(renderer.note(`  answer y to run ${name}, or n (with a reason after it) to deny it`));
          showPrompt();
          continue;
        }
        approvals.delete(`${askedOn}#${callId}`);
        const reason = Array.isArray(answer) ? answer[3]?.trim() : undefined;
        const event = Array.isArray(answer)
          ? { type: "agent-tool-call-denied", payload: { callId, by: "tributary chat", ...(reason ? { reason } : { reason: "denied from tributary chat" }) } }
          : { type: "agent-tool-call-approved", payload: { callId, by: "tributary chat" } };
        try {
          await client.append({ path: askedOn, event: { ...event, metadata: { chatSession: session } } });
        } catch (error) {
          write(renderer.note(`  ✗ could not answer: ${(error as Error).message}`));
        }
        askApproval();
        if (!tty && lastInput > answered) await Promise.race([answerTo(lastInput), quitting, approvalAsked()]);
        continue;
      }
      if (content === "") {
        if (!muted) showPrompt();
        continue;
      }
      const busy = running.size > 0 || lastInput > answered;
      if (busy && tty)
        write(renderer.note(`  ↳ ${busyPolicy === "queue" ? "queued" : busyPolicy === "steer" ? "steering the answer" : "interrupting"}: ${content}`));
      else if (muted) write(renderer.note(`> ${content}`)); // typed before the prompt showed: its echo was held back
      try {
        const policy = busy ? busyPolicy : undefined;
        const stored = await client.append({
          path,
          event: { type: "agent-input-added", payload: { content, ...(policy ? { policy } : {}) }, metadata: { chatSession: session } },
        });
        lastInput = stored.offset;
        // Piped input is a script: each line waits for the answer to the one before.
        // A call that waits for approval is answered by the next line.
        if (!tty) await Promise.race([answerTo(stored.offset), quitting, approvalAsked()]);
      } catch (error) {
        const message = error instanceof TributaryError ? `${error.code}: ${error.message}` : (error as Error).message;
        write(renderer.note(`  ✗ could not send: ${message}`));
        showPrompt();
      }
    }
    // End of input: wait for the answer to the last message, then leave (Ctrl-C leaves at once). A call
    // that waits for approval then has nobody here to answer it: say so, leave it waiting, exit 3.
    if (!quit) await Promise.race([answerTo(lastInput), quitting, approvalAsked()]);
    const [unanswered] = approvals.values();
    const leftWaiting = !quit && unanswered !== undefined && lastInput > answered;
    if (leftWaiting) {
      write(
        renderer.note(
          `  the input ended while ${unanswered.name} waits for approval; the call stays waiting: answer it in the UI or another tributary chat (the agent denies it after its approvalTimeoutMs)`,
        ),
      );
    }
    controller.abort();
    await Promise.all([reader.catch(() => undefined), ...subReaders]);
    process.off("SIGINT", interrupt);
    if (tty) process.stdout.write("\n");
    if (quit) return 130;
    if (leftWaiting) return 3;
    return lastOutcome === "failed" || lastOutcome === "turn-limit" ? 1 : 0;
  },
};
