/**
 * The chat page. Everything it says to the server goes through the client generated from
 * ../../asyncapi.yaml (`./api`, written by `beeflow-websocket generate --ts-out web/src/api`): action
 * names, payloads and the events' payloads are checked by the compiler.
 *
 * Open it twice (`/?name=alice` and `/?name=bob`), join the same room and talk.
 */

import { type Client, createClient, type EventFrame, ProblemError } from "./api/index.js";

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const nameInput = $<HTMLInputElement>("name");
const roomInput = $<HTMLInputElement>("room");
const textInput = $<HTMLInputElement>("text");
const messages = $<HTMLOListElement>("messages");

let client: Client | undefined;
let user = "";
let room = "";
/** Who is typing in the current room, besides us. */
const typing = new Set<string>();
let typingSent = false;
let typingTimer: ReturnType<typeof setTimeout> | undefined;

const params = new URLSearchParams(location.search);
nameInput.value = params.get("name") ?? "";
roomInput.value = params.get("room") ?? roomInput.value;

function line(className: string, ...children: (Node | string)[]): void {
  const item = document.createElement("li");
  item.className = className;
  item.append(...children);
  messages.append(item);
  messages.scrollTop = messages.scrollHeight;
}

function span(className: string, text: string): HTMLSpanElement {
  const element = document.createElement("span");
  element.className = className;
  element.textContent = text;
  return element;
}

function showError(error: unknown): void {
  const box = $("error");
  if (error === undefined) {
    box.hidden = true;
    return;
  }
  box.hidden = false;
  if (error instanceof ProblemError) {
    // 422: the payload broke the schema; `errors` points at each bad field (`/payload/text`).
    const fields = error.errors.map((item) => `${item.pointer}: ${item.detail}`).join("; ");
    box.textContent = `${error.status} ${error.code}: ${error.detail ?? error.title}${fields ? ` (${fields})` : ""}`;
  } else {
    box.textContent = String(error);
  }
}

function showTyping(): void {
  const names = [...typing].sort();
  $("typing").textContent = names.length ? `${names.join(", ")} ${names.length > 1 ? "are" : "is"} typing…` : "";
}

function setJoined(joined: boolean): void {
  $<HTMLButtonElement>("leave").disabled = !joined;
  $<HTMLButtonElement>("send").disabled = !joined;
  textInput.disabled = !joined;
  if (joined) textInput.focus();
}

function onPosted(event: EventFrame<"chat.message_posted">): void {
  const { author, text, sent_at, room: where } = event.payload;
  if (where !== room) return;
  const time = document.createElement("time");
  time.dateTime = sent_at;
  time.textContent = new Date(sent_at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  const mine = author === user ? " mine" : "";
  line(`message${mine}`, span("author", author), span("text", text), time);
  typing.delete(author);
  showTyping();
}

function connect(name: string): Client {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  // The demo server takes your name as the access token (sent as a subprotocol, never in the URL).
  const next = createClient(`${scheme}://${location.host}/ws/`, { token: name, retryDelay: 300, maxRetryDelay: 3000 });
  next.onState((state) => {
    const badge = $("state");
    badge.dataset.state = state;
    badge.textContent = state === "open" ? `online as ${name}` : state;
  });
  // A resumed session keeps our rooms. A reconnect without one (a server without sessions), or a
  // session the server could not resume, has forgotten them: join again.
  next.onGap((gap) => {
    if (gap.reason === "reconnect" && room) void join(room);
  });
  next.onResync(() => {
    if (room) void join(room);
  });
  next.on("chat.message_posted", onPosted);
  next.on("chat.joined", (event) => {
    if (event.payload.room === room) line("system", `${event.payload.user === user ? "you" : event.payload.user} joined #${room}`);
  });
  next.on("chat.left", (event) => {
    if (event.payload.room === room) line("system", `${event.payload.user} left #${room}`);
  });
  next.on("chat.typing_changed", (event) => {
    const { user: who, typing: on, room: where } = event.payload;
    if (where !== room || who === user) return;
    if (on) typing.add(who);
    else typing.delete(who);
    showTyping();
  });
  return next;
}

async function join(target: string): Promise<void> {
  if (!client) return;
  try {
    await client.request("chat.join", { room: target });
    showError(undefined);
    setJoined(true);
  } catch (error) {
    showError(error);
  }
}

$("join-form").addEventListener("submit", (submit) => {
  submit.preventDefault();
  const name = nameInput.value.trim();
  if (!name) return showError("Choose a name first.");
  if (name !== user) {
    client?.close();
    client = connect(name);
    user = name;
    messages.replaceChildren();
  }
  room = roomInput.value.trim();
  typing.clear();
  showTyping();
  void join(room);
});

$("leave").addEventListener("click", async () => {
  if (!client || !room) return;
  try {
    await client.request("chat.leave", { room });
    setJoined(false);
    room = "";
  } catch (error) {
    showError(error);
  }
});

async function sendTyping(on: boolean): Promise<void> {
  if (!client || !room || typingSent === on) return;
  typingSent = on;
  await client.request("chat.typing", { room, typing: on }).catch(() => undefined);
}

textInput.addEventListener("input", () => {
  clearTimeout(typingTimer);
  void sendTyping(textInput.value !== "");
  typingTimer = setTimeout(() => void sendTyping(false), 3000);
});

$("compose").addEventListener("submit", async (submit) => {
  submit.preventDefault();
  if (!client || !room) return;
  try {
    // An empty text is sent as it is: the server answers 422 (minLength: 1), shown with its pointer.
    await client.request("chat.send", { room, text: textInput.value });
    textInput.value = "";
    showError(undefined);
    clearTimeout(typingTimer);
    await sendTyping(false);
  } catch (error) {
    showError(error);
  }
});
