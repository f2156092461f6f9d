import { commands } from "./commands.ts";
import { CliError } from "./cli-error.ts";

const usage = `tributary — durable event streams and stream processors

Usage: tributary <command> [options]

Commands:
${Object.entries(commands)
  .map(([name, command]) => `  ${name.padEnd(10)} ${command.summary}`)
  .join("\n")}

Run 'tributary <command> --help' for a command's options.`;

/** Runs the CLI; resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    console.log(usage);
    return name === undefined ? 1 : 0;
  }
  const command = commands[name];
  if (!command) {
    console.error(`tributary: unknown command '${name}'.\n\n${usage}`);
    return 2;
  }
  try {
    return await command.run(rest);
  } catch (error) {
    if (error instanceof CliError) {
      console.error(`tributary ${name}: ${error.message}`);
      return error.exitCode;
    }
    console.error(`tributary ${name}: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}
