// The chat page: one ES module, no framework, no build. It calls the agent-runtime API with fetch
// and reads its Server-Sent Events with a stream reader (EventSource can neither POST nor send a
// key). Whatever comes from the server is put on the page as text (Text nodes, textContent), never
// parsed as HTML. The API key is kept in sessionStorage: for this tab only, never in the URL.

const $ = (id) => document.getElementById(id);
const RETRIES = 5; // reconnections of one stream before giving up
const WAITS = 300; // seconds to wait for a turn whose start was lost to end (its deadline is shorter)

const state = { api: "", key: "", agents: [], agentId: null, sessionId: null, busy: false };

// ---- The API ----------------------------------------------------------------------------------

function api(path, { headers = {}, ...init } = {}) {
  return fetch(state.api + path, { ...init, headers: { "X-API-Key": state.key, ...headers } });
}

// The API's error body is {"error": {code, message}}; anything else is named by its status.
async function problem(response) {
  try {
    const { error } = await response.json();
    return { code: error.code, text: `${error.message} (${error.code})` };
  } catch {
    return { code: null, text: `HTTP ${response.status}` };
  }
}

async function getJson(path) {
  const response = await api(path);
  if (!response.ok) throw new Error((await problem(response)).text);
  return response.json();
}

const part = (value) => encodeURIComponent(value);

// ---- Server-Sent Events -----------------------------------------------------------------------

// Calls onFrame({event, id, data}) for each complete frame of an SSE body. Comments (": ping") are
// skipped; a frame cut off by a dropped connection is never dispatched. Resolves when the body
// ends; rejects (TypeError) when the connection breaks.
async function readFrames(body, onFrame) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  let frame = { event: "message", id: null, data: [] };
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    const lines = buffer.split(/\r?\n/);
    buffer = lines.pop(); // the unfinished last line waits for the next chunk
    for (const line of lines) {
      if (line === "") {
        if (frame.data.length) onFrame({ ...frame, data: JSON.parse(frame.data.join("\n")) });
        frame = { event: "message", id: null, data: [] };
      } else if (!line.startsWith(":")) {
        const colon = line.indexOf(":");
        const name = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
        if (name === "event") frame.event = value;
        else if (name === "id") frame.id = value;
        else if (name === "data") frame.data.push(value);
      }
    }
  }
}

// ---- Building the page (text only) ------------------------------------------------------------

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function setStatus(text) {
  $("status").textContent = text;
}

function addMessage(role, label) {
  const message = el("article", `message ${role}`);
  message.append(el("p", "who", label));
  $("transcript").append(message);
  return message;
}

function addUserMessage(text) {
  addMessage("user", "You").append(el("p", "text", text));
}

function notice(turn, text, kind = "") {
  turn.box.append(el("p", `notice ${kind}`.trim(), text));
}

// A tool call as a compact card; its state (running, done, error, would_execute, awaiting, past)
// is both its colour (data-state) and its words.
function addCard(turn, { call_id, tool, input }, state, words) {
  const card = el("div", "card");
  card.append(el("span", "name", tool), el("span", "state"), el("pre", "input", JSON.stringify(input)));
  turn.box.append(card);
  turn.cards.set(call_id, card);
  turn.text = null; // text after this call goes below it
  setCard(card, state, words);
}

function setCard(card, state, words) {
  if (!card) return; // a call this page did not see start
  card.dataset.state = state;
  card.querySelector(".state").textContent = words;
}

// ---- A turn: one answer and the run that streams it -------------------------------------------

function newTurn(agentId) {
  // seq: the number of the last event shown, so a resumed stream never shows one twice.
  return { box: addMessage("assistant", "Agent"), agentId, sessionId: null, runId: null, seq: 0, text: null,
           cards: new Map(), pending: null, finished: false };
}

const on = {
  run_started(turn, data) {
    turn.runId = data.run_id;
    turn.agentId = data.agent_id;
    turn.sessionId = state.sessionId = data.session_id;
  },
  text_delta(turn, data) {
    if (!turn.text) turn.text = turn.box.appendChild(el("p", "text"));
    turn.text.append(data.text); // a Text node: "<script>" stays text
  },
  tool_call(turn, data) {
    addCard(turn, data, "running", "running…");
  },
  would_execute(turn, data) {
    setCard(turn.cards.get(data.call_id), "would_execute", "shadow mode: would run, did not");
  },
  tool_confirmation(turn, data) {
    turn.pending = data;
    setCard(turn.cards.get(data.call_id), "awaiting", "waiting for your approval");
  },
  tool_result(turn, data) {
    const card = turn.cards.get(data.call_id);
    if (!card || card.dataset.state === "rejected") return;
    if (card.dataset.state === "would_execute") setCard(card, "would_execute", `would run, did not · ${data.latency_ms} ms`);
    else if (data.ok) setCard(card, "done", `done · ${data.latency_ms} ms`);
    else setCard(card, "error", `error · ${data.latency_ms} ms`);
  },
  model_fallback(turn, data) {
    notice(turn, `Answered by ${data.model} instead (${data.reason}).`, "info");
  },
  error(turn, data) {
    notice(turn, `Error: ${data.message} (${data.code})`);
  },
  done(turn, data) {
    turn.finished = true;
    if (data.refusal) {
      const why = data.refusal.explanation ?? data.refusal.category ?? "no reason given";
      notice(turn, `The model declined: ${why}`);
    }
    const why = data.stop_reason === data.status ? "" : ` (${data.stop_reason})`;
    turn.box.append(el("p", "outcome", `Done: ${data.status}${why}`));
    if (data.status === "awaiting_confirmation" && turn.pending) askConfirmation(turn);
  },
};

function apply(turn, frame) {
  const seq = Number((frame.id || "").split(":").pop());
  if (seq) {
    if (seq <= turn.seq) return; // already shown (a resumed stream)
    turn.seq = seq;
  }
  on[frame.event]?.(turn, frame.data);
}

// Streams a run into `turn`; `open()` sends the request. A stream that breaks, or ends before
// `done`, is picked up from the last event shown: GET /executions/{run}/events with Last-Event-ID.
// Broken before its run was named (run_started), the same request is sent again: its
// Idempotency-Key makes it the same turn, answered whole once it has ended (409 until then).
async function follow(turn, open) {
  setBusy(true);
  turn.finished = false;
  for (let failures = 0, waits = 0; ; ) {
    try {
      const response = await open();
      if (response.ok) {
        await readFrames(response.body, (frame) => apply(turn, frame));
        if (turn.finished) break;
      } else {
        const { code, text } = await problem(response);
        if (code !== "idempotency_key_in_use" || ++waits > WAITS) {
          notice(turn, text);
          break;
        }
        await pause(1000);
        continue;
      }
    } catch (error) {
      if (!(error instanceof TypeError)) throw error; // a network failure is a TypeError
    }
    if (++failures > RETRIES) {
      notice(turn, turn.runId ? "The connection was lost. The run goes on: reopen this conversation later to read it."
                              : "The API could not be reached.");
      break;
    }
    setStatus("Connection lost: resuming…");
    await pause(300 * failures);
    if (turn.runId) {
      const lastEventId = `${turn.runId}:${turn.seq}`;
      open = () => api(`/executions/${part(turn.runId)}/events`, { headers: { "Last-Event-ID": lastEventId } });
    }
  }
  setBusy(false);
}

const pause = (ms) => new Promise((resume) => setTimeout(resume, ms));

// While an answer streams, the conversation stays the one it streams into.
function setBusy(busy) {
  state.busy = busy;
  $("transcript").setAttribute("aria-busy", String(busy));
  for (const id of ["send", "new-conversation", "agent"]) $(id).disabled = busy || !state.agentId;
  setStatus(busy ? "The agent is answering…" : "");
}

function randomKey() {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
}

async function send(message) {
  addUserMessage(message);
  const turn = newTurn(state.agentId);
  const body = JSON.stringify(state.sessionId ? { message, session_id: state.sessionId } : { message });
  const headers = { "Content-Type": "application/json", "Idempotency-Key": randomKey() };
  await follow(turn, () => api(`/agents/${part(turn.agentId)}/chat/stream`, { method: "POST", headers, body }));
  await loadSessions();
}

// ---- Confirmations ----------------------------------------------------------------------------

function askConfirmation(turn) {
  const { tool, input, expires_at } = turn.pending;
  const dialog = $("confirm");
  $("confirm-tool").textContent = tool;
  $("confirm-input").textContent = JSON.stringify(input, null, 2);
  $("confirm-expires").textContent = new Date(expires_at).toLocaleString();
  dialog.returnValue = "";
  dialog.onclose = () => {
    if (dialog.returnValue) decide(turn, dialog.returnValue === "approve");
    else offerReview(turn); // closed with Escape: decide later
  };
  dialog.showModal();
}

function offerReview(turn) {
  const button = el("button", "", "Review the change");
  button.type = "button";
  button.onclick = () => {
    button.remove();
    askConfirmation(turn);
  };
  (turn.cards.get(turn.pending.call_id) ?? turn.box).append(button);
}

// The answer streams on into the same turn: the run resumes with its numbering.
async function decide(turn, approve) {
  const { call_id } = turn.pending;
  turn.pending = null;
  if (!approve) setCard(turn.cards.get(call_id), "rejected", "rejected by you");
  const path = `/agents/${part(turn.agentId)}/sessions/${part(turn.sessionId)}/confirmations/${part(call_id)}`;
  const init = { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ approve }) };
  await follow(turn, () => api(path, init));
}

// ---- Agents and past conversations ------------------------------------------------------------

function showAgent() {
  const agent = state.agents.find((a) => a.id === state.agentId);
  $("agent-description").textContent = agent ? agent.description : "";
  const tools = $("tools");
  tools.replaceChildren();
  // Tools the tenant cannot use now (its Odoo lacks the app, …), each with the API's reason.
  const unavailable = new Map((agent?.unavailable_tools ?? []).map((t) => [t.name, t.reason]));
  for (const t of agent ? agent.tools : []) {
    if (unavailable.has(t.name)) continue;
    tools.append(el("li", t.access === "write" ? "write" : "", t.access === "write" ? `${t.name} (writes)` : t.name));
  }
  for (const [name, reason] of unavailable) {
    tools.append(el("li", "unavailable", `${name} (unavailable): ${reason}`));
  }
  $("tools-note").textContent = agent?.tools_note ?? "";
}

function pickAgent(agentId) {
  state.agentId = agentId;
  $("agent").value = agentId;
  showAgent();
}

async function loadAgents() {
  const { agents } = await getJson("/agents");
  state.agents = agents;
  const select = $("agent");
  select.replaceChildren(...agents.map((a) => Object.assign(el("option", "", a.title), { value: a.id })));
  select.disabled = agents.length === 0;
  if (agents.length) pickAgent(agents.some((a) => a.id === state.agentId) ? state.agentId : agents[0].id);
}

async function loadSessions() {
  const { items } = await getJson("/sessions?limit=20");
  $("sessions").replaceChildren(
    ...items.map((s) => {
      const button = el("button", "", s.title);
      button.type = "button";
      button.append(el("span", "muted small", ` · ${s.agent_id} · ${new Date(s.last_activity_at).toLocaleString()}`));
      button.setAttribute("aria-current", String(s.session_id === state.sessionId));
      button.onclick = () => state.busy || openSession(s).catch((error) => setStatus(error.message));
      const item = el("li");
      item.append(button);
      return item;
    }),
  );
}

async function openSession(session) {
  newConversation();
  state.sessionId = session.session_id;
  if (state.agents.some((a) => a.id === session.agent_id)) pickAgent(session.agent_id);
  let cursor = null;
  do {
    const page = await getJson(`/sessions/${part(session.session_id)}/messages?limit=100${cursor ? `&cursor=${part(cursor)}` : ""}`);
    for (const m of page.items) {
      if (m.role === "user") {
        addUserMessage(m.text);
        continue;
      }
      const turn = newTurn(session.agent_id);
      for (const call of m.tool_calls) addCard(turn, { call_id: call.id, tool: call.tool, input: call.input }, "past", "called");
      if (m.text) turn.box.append(el("p", "text", m.text));
    }
    cursor = page.next_cursor;
  } while (cursor);
  await loadSessions();
  $("message").focus();
}

function newConversation() {
  state.sessionId = null;
  $("transcript").replaceChildren();
  for (const b of $("sessions").querySelectorAll("button")) b.setAttribute("aria-current", "false");
}

// ---- Wiring -----------------------------------------------------------------------------------

async function connect() {
  state.api = $("api-url").value.replace(/\/+$/, "");
  state.key = $("api-key").value.trim();
  sessionStorage.setItem("agent-runtime.api", state.api);
  sessionStorage.setItem("agent-runtime.key", state.key);
  setStatus("Connecting…");
  try {
    await loadAgents();
    await loadSessions();
    setStatus(`Connected: ${state.agents.length} agents.`);
    $("connection").open = false;
    $("message").focus();
  } catch (error) {
    // A network failure and an answer this page may not read (CORS) are the same TypeError.
    setStatus(error instanceof TypeError
      ? `Could not connect: no answer from ${state.api} that this page (${location.origin}) may read. ` +
        "Check the URL; if it is right, the API does not allow this page's origin " +
        "(the deployment's ALLOWED_ORIGINS or the tenant's allowed origins)."
      : `Could not connect: ${error.message}`);
  }
}

$("connect").addEventListener("submit", (event) => {
  event.preventDefault();
  connect();
});

$("agent").addEventListener("change", (event) => {
  newConversation(); // a conversation belongs to one agent
  pickAgent(event.target.value);
});

$("new-conversation").addEventListener("click", () => {
  newConversation();
  $("message").focus();
});

$("composer").addEventListener("submit", (event) => {
  event.preventDefault();
  const message = $("message").value;
  if (!message.trim() || !state.agentId || state.busy) return;
  $("message").value = "";
  send(message).catch((error) => setStatus(error.message));
});

$("message").addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    $("composer").requestSubmit();
  }
});

// The page's own origin is the API's when `make dev` serves it; hosted elsewhere, the user names it.
$("api-url").value = sessionStorage.getItem("agent-runtime.api") ?? (location.origin.startsWith("http") ? location.origin : "");
$("api-key").value = sessionStorage.getItem("agent-runtime.key") ?? "";
if ($("api-url").value && $("api-key").value) connect();
