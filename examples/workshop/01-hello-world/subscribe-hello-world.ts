// Hello world, part 2: open a live stream (aborted through the second argument's signal), append, and read
// until the appended event comes back over the stream.
import { os } from "@orpc/server";
import { createEventsClient } from "tributary/workshop";

export default os.handler(async () => {
  const client = createEventsClient();
  const streamPath = `${process.env.PATH_PREFIX}/hello-world`;
  const controller = new AbortController();
  const stream = await client.stream({ path: streamPath, live: true }, { signal: controller.signal });
  const iterator = stream[Symbol.asyncIterator]();

  const appendResult = await client.append({ path: streamPath, event: { type: "hello-world", payload: { message: `hello ${new Date().toISOString()}` } } });
  let streamed = await iterator.next();
  while (!streamed.done && streamed.value.offset !== appendResult.event.offset) streamed = await iterator.next();
  controller.abort();
  await iterator.return?.();
  if (streamed.done) throw new Error("stream closed before an event arrived");

  console.log("append result");
  console.log(JSON.stringify(appendResult, null, 2));
  console.log("stream event");
  console.log(JSON.stringify(streamed.value, null, 2));
});
