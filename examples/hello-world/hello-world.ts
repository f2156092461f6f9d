// Hello world: append an event to a stream, then read the stream back.
// Run it against a server (`npx tributary serve`):  npx node --conditions=tributary-source examples/hello-world/hello-world.ts [/path]
// The server is TRIBUTARY_URL, else http://127.0.0.1:4000.
import { createEventsClient } from "tributary";

const client = createEventsClient();
const path = process.argv[2] ?? "/jonas/hello";

const stored = await client.append({ path, event: { type: "hello-world", payload: { greeting: "Hello, world!" } } });
console.log(`appended ${stored.type} to ${stored.streamPath} at offset ${stored.offset}`);

// A finite read: every event so far, then the loop ends. Add `live: true` to keep following.
for await (const event of client.stream({ path })) {
  console.log(`#${event.offset} ${event.type} ${JSON.stringify(event.payload)}`);
}
