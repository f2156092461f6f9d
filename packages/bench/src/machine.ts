import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import os from "node:os";

export interface Machine {
  cpu: string;
  cores: number;
  memory: string;
  os: string;
  node: string;
  disk: string;
  /** 1-minute load average when the bench started: other work on the machine skews every figure. */
  loadAverage: string;
}

/**
 * Describes the machine the figures were measured on.
 *
 * @example
 * const { cpu, cores } = describeMachine(tmpdir());
 */
export function describeMachine(dataDir: string): Machine {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? "unknown",
    cores: os.availableParallelism(),
    memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    os: `${osRelease() ?? os.type()} (${os.type()} ${os.release()}, ${os.arch()})`,
    node: process.version,
    disk: describeDisk(dataDir),
    loadAverage: os
      .loadavg()
      .map((value) => value.toFixed(2))
      .join(", "),
  };
}

function osRelease(): string | undefined {
  try {
    return /^PRETTY_NAME="?([^"\n]*)"?/m.exec(readFileSync("/etc/os-release", "utf8"))?.[1];
  } catch {
    return undefined;
  }
}

/** The filesystem holding the data directories: device, type, size, and whether it spins. */
function describeDisk(dir: string): string {
  try {
    const line = execFileSync("df", ["-PT", dir], { encoding: "utf8" }).trim().split("\n")[1] ?? "";
    const [device = "?", type = "?", blocks = "0"] = line.split(/\s+/);
    const size = `${(Number(blocks) / 2 ** 20).toFixed(0)} GiB`;
    const name = device.replace(/^\/dev\//, "").replace(/\d+$/, "");
    let kind = "";
    try {
      kind = readFileSync(`/sys/block/${name}/queue/rotational`, "utf8").trim() === "1" ? ", rotational" : ", non-rotational";
    } catch {
      // Not a plain block device (overlay, tmpfs, a container): the kind is unknown.
    }
    return `${device} (${type}, ${size}${kind}), data in ${dir}`;
  } catch {
    return `unknown (data in ${dir})`;
  }
}
