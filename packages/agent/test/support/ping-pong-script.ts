/** A ping-pong module as the model writes it for `deploy_processor`: plain JavaScript, no imports. */
export const pingPongScript = `export default {
  slug: "ping-pong",
  initialState: { seen: 0 },
  reduce: ({ event, state }) => (event.type === "ping" ? { seen: state.seen + 1 } : state),
  afterAppend: async ({ event, append }) => {
    if (event.type === "ping") await append({ event: { type: "pong", payload: { to: event.offset } } });
  },
};`;
