// The agent runtime's stream events (each Server-Sent Event's `data`, by its `event` name).
// Generated from the API's OpenAPI document (functions/health/openapi.json) by `make openapi`:
// do not edit by hand.

export type StreamEvent = RunStarted | TextDelta | ToolCall | ToolResult | WouldExecute | ToolConfirmation | ModelFallback | StreamError | Done;

export interface RunStarted {
  type: "run_started";
  run_id: string;
  session_id: string;
  agent_id: string;
  model: string;
}

export interface TextDelta {
  type: "text_delta";
  text: string;
}

export interface ToolCall {
  type: "tool_call";
  call_id: string;
  tool: string;
  input: Record<string, unknown>;
}

export interface ToolResult {
  type: "tool_result";
  call_id: string;
  tool: string;
  ok: boolean;
  latency_ms: number;
  result_size: number;
}

/** Shadow mode: a write tool the model called, which did not run. */
export interface WouldExecute {
  type: "would_execute";
  call_id: string;
  tool: string;
  input: Record<string, unknown>;
}

/** A write waits for a person's approval: the run pauses and the stream ends after ``done``. Approve or reject it with ``POST /agents/{agent_id}/sessions/{session_id}/confirmations/{call_id}`` before ``expires_at``. */
export interface ToolConfirmation {
  type: "tool_confirmation";
  call_id: string;
  tool: string;
  input: Record<string, unknown>;
  expires_at: string;
}

/** The turn's model failed before anything reached the client: ``model`` answers instead. */
export interface ModelFallback {
  type: "model_fallback";
  model: string;
  reason: string;
}

export interface StreamError {
  type: "error";
  code: string;
  message: string;
}

/** Always the last event of a stream. ``refusal`` says why, when ``stop_reason`` is ``refusal``. */
export interface Done {
  type: "done";
  run_id: string;
  status: "completed" | "failed" | "awaiting_confirmation" | "cancelled";
  stop_reason: string;
  usage: Usage;
  refusal: Refusal | null;
}

/** Tokens a turn consumed, cache tokens included. */
export interface Usage {
  input_tokens?: number;
  output_tokens?: number;
  cache_creation_input_tokens?: number;
  cache_read_input_tokens?: number;
  /** Of output_tokens, those spent thinking. */
  thinking_tokens?: number;
}

/** Why the provider's safety classifiers stopped the answer, when it says. */
export interface Refusal {
  category?: string | null;
  explanation?: string | null;
}

/** Every event's `type` (its SSE `event:` name). */
export type StreamEventType = StreamEvent["type"];
