// One subscription through the graphql-ws npm client (the client GraphiQL uses), reported as JSON lines.
//
//   node subscribe.mjs <ws-url> '{"query": "...", "variables": {...}, "keepAlive": 0, "origin": "...",
//                                 "connectionParams": {...}}'
//
// Prints {"event": "connected" | "next" | "error" | "complete" | "pong" | "ws-ping" | "closed", ...} per
// line; ends the subscription and exits when its standard input closes.
import { createClient } from "graphql-ws";
import WebSocket from "ws";

const [url, options] = process.argv.slice(2);
const { query, variables, keepAlive = 0, origin, connectionParams } = JSON.parse(options);
const emit = (event, fields = {}) => process.stdout.write(`${JSON.stringify({ event, ...fields })}\n`);

class ObservedWebSocket extends WebSocket {
  constructor(address, protocols) {
    super(address, protocols, origin ? { origin } : {});
    this.on("ping", () => emit("ws-ping"));
  }
}

const client = createClient({
  url,
  webSocketImpl: ObservedWebSocket,
  lazy: false,
  retryAttempts: 0,
  keepAlive,
  connectionParams,
  on: {
    connected: () => emit("connected"),
    pong: (received) => received && emit("pong"),
    closed: (event) => emit("closed", { code: event.code, reason: event.reason }),
  },
});

const unsubscribe = client.subscribe(
  { query, variables },
  {
    next: (result) => emit("next", { result }),
    error: (error) => emit("error", { errors: Array.isArray(error) ? error : [], code: error?.code }),
    complete: () => emit("complete"),
  },
);

process.stdin.on("end", () => {
  unsubscribe();
  client.dispose();
});
process.stdin.resume();
