import type { StreamPath } from "@tributary/protocol";
import { createOutboundFetch } from "../../outbound/outbound-fetch.ts";
import { createOutboundPolicy } from "../../outbound/outbound-policy.ts";
import { createSandbox } from "../../sandbox/sandbox.ts";
import type { Builtin, BuiltinEffects, BuiltinSettings } from "../builtin-processor.ts";
import { plainSecrets } from "../secrets/secret-vault.ts";
import { invalidPayload, unknownSlug } from "../../append/invalid-payload.ts";
import { createSlugWorkers } from "../shared/slug-workers.ts";
import { createHostedFetch } from "./hosted-fetch.ts";
import { createHostedRunner, type HostedPorts, type HostedRunner } from "./hosted-runner.ts";
import { initialHostedState, reduceHosted, type HostedState } from "./hosted-state.ts";

/**
 * Hosted processors: `processor/deployed {slug, script}` runs the module's processor on its stream inside
 * the server's sandbox (sandbox/), `processor/removed {slug}` stops it, a redeploy of the slug replaces it
 * with its state rebuilt. Deployments are state folded from the stream, so after a restart (or on the new
 * lease holder, on PostgreSQL) they run again; their side effects run only where the built-ins are active.
 */
export const hostedProcessors: Builtin<HostedState> = {
  slug: "hosted-processors",
  initialState: initialHostedState,
  reduce: ({ event, state }) => reduceHosted(state, event),
  gate: ({ event, state, path }) => {
    if (event.type === "processor/deployed" && typeof event.payload.script === "string" && !/\bexport\b/.test(event.payload.script)) {
      return invalidPayload(
        event.type,
        "script: the module exports nothing; export the processor, e.g. 'export default defineProcessor(() => ({ slug, initialState, reduce, afterAppend }))'.",
      );
    }
    if (event.type === "processor/removed") {
      const slug = String(event.payload.slug);
      if (state.deployments[slug]) return undefined;
      return unknownSlug(event.type, "hosted processor", slug, path, Object.keys(state.deployments));
    }
    return undefined;
  },
  resumes: "processor",
  effects: (services, settings) => createHostedEffects(services, settings),
};

function createHostedEffects(services: HostedPorts, settings: BuiltinSettings): BuiltinEffects<HostedState> {
  const sandbox = createSandbox({ logger: services.logger, limits: settings.sandbox });
  const outbound = settings.outbound ?? createOutboundFetch(createOutboundPolicy({ allowLocal: false }));
  const fetch = createHostedFetch({ outbound, secrets: settings.secrets ?? plainSecrets(services.secrets), limits: sandbox.limits });
  const workers = createSlugWorkers<HostedState["deployments"][string], HostedRunner>((project, path, config) =>
    createHostedRunner({ services, sandbox, fetch, project, path, config }),
  );
  function sync(project: string, path: StreamPath, state: HostedState): void {
    const active = Object.values(state.deployments).filter((deployment) => !deployment.suspended);
    workers.sync(project, path, active);
    if (Object.keys(state.deployments).length === 0 && state.lastConfigOffset > 0) {
      void services.marks.unmarkStream(project, path, "processor", state.lastConfigOffset).catch(() => undefined);
    }
  }

  return {
    afterAppend: ({ project, path, event, state }) => {
      if (event.type.startsWith("processor/")) sync(project, path, state);
      // The event itself, so a runner following the stream need not read it back from the store.
      workers.wakeAll(project, path, event);
    },
    onCaughtUp: ({ project, path, state }) => {
      sync(project, path, state);
      workers.wakeAll(project, path);
    },
    describe: async (state, { project, path }) => ({
      processors: await Promise.all(
        Object.values(state.deployments).map(async (deployment) => {
          const runner = workers.get(project, path, deployment.slug);
          return {
            slug: deployment.slug,
            deployedAtOffset: deployment.configuredOffset,
            status: deployment.suspended ? "suspended" : (runner?.status() ?? "stopped"),
            ...(deployment.suspended ? { suspendedBecause: deployment.suspended.reason } : {}),
            cursor: Math.max(
              runner?.position() ?? 0,
              (await services.cursors.getCursor(project, path, `processor:${deployment.slug}`)) ?? 0,
              deployment.startAfter,
            ),
            state: await runner?.state().catch(() => undefined),
          };
        }),
      ),
    }),
    forget: (project, path) => workers.forget(project, path),
    close: async () => {
      await workers.close();
      await sandbox.close();
    },
  };
}
