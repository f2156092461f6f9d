import { parseStreamPath } from "@tributary/protocol";
import { CliError } from "./cli-error.ts";
import { clientFlags, clientFlagsHelp, clientFromFlags, talkingToServer } from "./client-flags.ts";
import type { Command } from "./command.ts";
import { parseFlags } from "./parse-flags.ts";

const help = `Usage: tributary ls [path] [options]

Prints the tree of streams under a path (default /), with each stream's event count.

Options:
  --json              print the listing as JSON
${clientFlagsHelp}
  -h, --help          show this help`;

export const lsCommand: Command = {
  summary: "list the tree of streams under a path",
  async run(argv) {
    const { values, positionals } = parseFlags("ls", argv, { ...clientFlags, json: { type: "boolean" } });
    if (values.help) {
      console.log(help);
      return 0;
    }
    if (positionals.length > 1) throw new CliError(`ls takes at most one path. See 'tributary ls --help'.`);
    let root: string;
    try {
      root = parseStreamPath(positionals[0] ?? "/");
    } catch (error) {
      throw new CliError((error as Error).message);
    }
    const client = clientFromFlags(values);
    const [head, listing] = await talkingToServer(client, () => Promise.all([client.head(root), client.tree(root)]));
    if (values.json) {
      console.log(JSON.stringify(listing, null, 2));
      return 0;
    }
    if (listing.streams.length === 0 && head === 0) {
      console.log(`No streams under ${root}.`);
      return 0;
    }
    // The root first, then each descendant indented by its depth below the root.
    const rows: [string, number][] = [[root, head]];
    for (const stream of [...listing.streams].sort((a, b) => compareSegments(a.path, b.path))) {
      const depth = stream.path.slice(root === "/" ? 1 : root.length + 1).split("/").length;
      rows.push([`${"  ".repeat(depth)}${stream.path.slice(stream.path.lastIndexOf("/") + 1)}`, stream.lastOffset]);
    }
    const width = Math.max(...rows.map(([label]) => label.length)) + 2;
    for (const [label, count] of rows) console.log(`${label.padEnd(width)}${count} event${count === 1 ? "" : "s"}`);
    if (listing.truncated) console.log(`… cut at the server's limit; list a deeper path to see more.`);
    return 0;
  },
};

/** Orders paths as a tree: by segment, so `/a/b` follows `/a` and precedes `/a-c`. */
function compareSegments(a: string, b: string): number {
  const left = a.split("/");
  const right = b.split("/");
  for (let index = 0; index < Math.min(left.length, right.length); index++) {
    if (left[index] !== right[index]) return left[index]! < right[index]! ? -1 : 1;
  }
  return left.length - right.length;
}
