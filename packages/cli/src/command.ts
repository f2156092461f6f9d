/** One `tributary <name>` command. Its own file, so the command modules and the table in commands.ts (which loads them) do not import each other. */
export interface Command {
  summary: string;
  run(argv: string[]): Promise<number>;
}
