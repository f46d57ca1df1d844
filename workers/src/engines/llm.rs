//! Any OpenAI-compatible chat-completions endpoint (OpenAI, DeepSeek, Qwen, vLLM, Ollama,
//! llama.cpp). The answer is constrained by a JSON schema and validated into our types; an
//! invalid one is sent back with the reason, a blank one asked again, one cut off at the
//! token limit asked again with twice the room — up to three answers. 429 and 5xx are
//! waited out, honouring `Retry-After`, and an unreachable model up to the longest wait.
//! Every call is counted (calls, tokens, seconds), whatever the attempt's end. Inputs go in
//! fenced, with a fence no input can forge.

use prepq_telemetry::TracedSend;
use std::time::{Duration, Instant};

use prepq_jobs::kinds::EngineRun;
use reqwest::{StatusCode, header::RETRY_AFTER};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::{
    config::{LlmConfig, OutputMode},
    error::JobError,
};

/// A versioned prompt and the schema its answer must match.
pub struct Prompt {
    pub version: &'static str,
    pub system: &'static str,
    pub schema: &'static str,
}

/// Answers the model may give before the job fails.
const ANSWERS: u32 = 3;
/// Room for an answer (`max_tokens`): it is the schema filled in, so it grows with the
/// schema, and with each item asked for (questions). Bounded both ways: tiny schemas still
/// need words, and no answer is worth a context window.
const MIN_ANSWER_TOKENS: u32 = 1024;
const MAX_ANSWER_TOKENS: u32 = 16_384;
const TOKENS_PER_ITEM: u32 = 256;
/// Calls refused as busy (429, 5xx) before the attempt gives up and the job is retried.
const BUSY_CALLS: u32 = 5;

pub struct Llm {
    http: reqwest::Client,
    url: String,
    model: String,
    api_key: Option<String>,
    max_wait: Duration,
    output: OutputMode,
}

/// One exchange's cost.
#[derive(Default)]
struct Usage {
    prompt_tokens: u32,
    completion_tokens: u32,
    calls: u32,
}

impl Llm {
    pub fn new(config: &LlmConfig) -> Result<Self, reqwest::Error> {
        Ok(Self {
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(config.llm_timeout_secs))
                .build()?,
            url: format!(
                "{}/chat/completions",
                config.llm_base_url.trim_end_matches('/')
            ),
            model: config.llm_model.clone(),
            api_key: config.llm_api_key.clone(),
            max_wait: Duration::from_secs(config.llm_max_wait_secs),
            output: config.output(),
        })
    }

    /// The model's answer to `user`, valid by the prompt's schema and `valid`, and what it
    /// cost; `items` sizes the room for the answer.
    pub async fn ask<T: DeserializeOwned>(
        &self,
        prompt: &Prompt,
        user: String,
        items: usize,
        valid: impl Fn(&T) -> Result<(), String>,
    ) -> Result<(T, EngineRun), JobError> {
        let started = Instant::now();
        let mut usage = Usage::default();
        let outcome = self.exchange(prompt, user, items, &valid, &mut usage).await;
        let latency = started.elapsed();
        usage.record(prompt, &outcome, latency);
        outcome.map(|answer| {
            let run = EngineRun {
                engine: "llm".into(),
                model: Some(self.model.clone()),
                prompt_version: Some(prompt.version.into()),
                prompt_tokens: Some(usage.prompt_tokens),
                completion_tokens: Some(usage.completion_tokens),
                calls: usage.calls,
                latency_ms: latency.as_secs_f64() * 1e3,
            };
            (answer, run)
        })
    }

    async fn exchange<T: DeserializeOwned>(
        &self,
        prompt: &Prompt,
        user: String,
        items: usize,
        valid: &impl Fn(&T) -> Result<(), String>,
        usage: &mut Usage,
    ) -> Result<T, JobError> {
        let schema: Value = serde_json::from_str(prompt.schema)
            .map_err(|e| JobError::permanent(format!("prompt schema {}: {e}", prompt.version)))?;
        let system = match self.output {
            OutputMode::JsonSchema => prompt.system.to_owned(),
            // Without strict decoding the schema must be in the words; DeepSeek also wants
            // the word "json" there before it takes `json_object`.
            _ => format!(
                "{}\n\nAnswer with one json object that matches this JSON Schema, and nothing else:\n{schema}",
                prompt.system
            ),
        };
        let mut messages = vec![
            json!({ "role": "system", "content": system }),
            json!({ "role": "user", "content": user }),
        ];
        let mut max_tokens = answer_budget(prompt.schema, items);
        let mut reason = String::new();
        for _ in 0..ANSWERS {
            let mut body = json!({
                "model": self.model,
                "messages": messages,
                "temperature": 0.2,
                "max_tokens": max_tokens,
            });
            let format = match self.output {
                OutputMode::JsonSchema => Some(json!({
                    "type": "json_schema",
                    "json_schema": { "name": prompt.version.replace('.', "_"), "strict": true, "schema": schema },
                })),
                OutputMode::JsonObject => Some(json!({ "type": "json_object" })),
                OutputMode::JsonObjectSchema => {
                    Some(json!({ "type": "json_object", "schema": schema }))
                }
                OutputMode::None => None,
            };
            if let Some(format) = format {
                body["response_format"] = format;
            }
            let answer = self.call(&body, usage).await?;
            if answer.content.trim().is_empty() {
                tracing::warn!(prompt = prompt.version, "blank model answer");
                reason = "it was blank".into();
                continue;
            }
            if answer.cut_off {
                tracing::warn!(prompt = prompt.version, max_tokens, "model answer cut off");
                reason = format!("it was cut off at the {max_tokens}-token limit");
                max_tokens = (max_tokens * 2).min(MAX_ANSWER_TOKENS);
                continue;
            }
            let content = answer.content;
            match serde_json::from_str::<T>(&content)
                .map_err(|e| format!("it is not the JSON the schema asks for: {e}"))
                .and_then(|answer| valid(&answer).map(|()| answer))
            {
                Ok(answer) => return Ok(answer),
                Err(why) => {
                    tracing::warn!(prompt = prompt.version, reason = %why, "invalid model answer");
                    messages.push(json!({ "role": "assistant", "content": content }));
                    messages.push(json!({
                        "role": "user",
                        "content": format!("That answer is not valid: {why}. Answer again, with JSON that matches the schema."),
                    }));
                    reason = why;
                }
            }
        }
        Err(JobError::permanent(format!(
            "the model gave no valid answer in {ANSWERS} tries; the last one: {reason}"
        )))
    }

    /// One completion, waiting out 429 and 5xx answers and a model that cannot be reached.
    async fn call(&self, body: &Value, usage: &mut Usage) -> Result<Completion, JobError> {
        let mut busy = 0;
        let mut unreachable_since: Option<Instant> = None;
        let mut unreachable = 0;
        loop {
            let mut request = self.http.post(&self.url).json(body);
            if let Some(key) = &self.api_key {
                request = request.bearer_auth(key);
            }
            usage.calls += 1;
            let response = match request.send_traced("llm chat").await {
                Ok(response) => response,
                Err(e) if e.is_timeout() => {
                    count_call("timeout");
                    return Err(JobError::transient("the model did not answer in time"));
                }
                Err(e) => {
                    count_call("unreachable");
                    // Without the URL: the reason is shown to the job's owner.
                    let why = e.without_url().to_string();
                    let since = *unreachable_since.get_or_insert_with(Instant::now);
                    unreachable += 1;
                    let wait = Duration::from_millis(250 << unreachable.min(5));
                    if since.elapsed() + wait > self.max_wait {
                        return Err(JobError::transient(format!(
                            "the model could not be reached for {} s: {why}",
                            since.elapsed().as_secs()
                        )));
                    }
                    tracing::info!(error = %why, wait_ms = wait.as_millis() as u64, "the model cannot be reached; waiting");
                    tokio::time::sleep(wait).await;
                    continue;
                }
            };
            unreachable_since = None;
            let status = response.status();
            if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
                count_call("busy");
                busy += 1;
                let wait = retry_after(&response)
                    .unwrap_or(Duration::from_millis(500 << busy))
                    .min(self.max_wait);
                let words: String = response
                    .text()
                    .await
                    .unwrap_or_default()
                    .chars()
                    .take(300)
                    .collect();
                // A 5xx is not always "busy" (llama.cpp answers 500 to a request it cannot
                // take): the last one's words go into the log and the reason.
                tracing::warn!(%status, answer = %words, "the model did not take the request");
                let last_refusal = format!("{status}: {}", words.trim());
                if busy == BUSY_CALLS {
                    return Err(JobError::transient(format!(
                        "the model did not take the request over {BUSY_CALLS} calls; its last answer: {last_refusal}"
                    )));
                }
                tracing::info!(%status, wait_ms = wait.as_millis() as u64, "the model is busy; waiting");
                tokio::time::sleep(wait).await;
                continue;
            }
            let text = response
                .text()
                .await
                .map_err(|e| JobError::transient(format!("reading the model's answer: {e}")))?;
            if !status.is_success() {
                count_call("refused");
                return Err(JobError::permanent(format!(
                    "the model refused the request ({status}): {}",
                    text.chars().take(300).collect::<String>()
                )));
            }
            count_call("answered");
            let completion: Value = serde_json::from_str(&text).map_err(|e| {
                JobError::transient(format!("the model's answer is not a completion: {e}"))
            })?;
            usage.add_tokens(
                token_count(&completion, "prompt_tokens"),
                token_count(&completion, "completion_tokens"),
            );
            let choice = &completion["choices"][0];
            return Ok(Completion {
                // A choice without content (some servers' way of a blank answer) is blank.
                content: choice["message"]["content"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                cut_off: choice["finish_reason"] == "length",
            });
        }
    }
}

/// One answer of the model.
struct Completion {
    content: String,
    /// Stopped at `max_tokens`: the JSON is unfinished, whatever it looks like.
    cut_off: bool,
}

impl Usage {
    fn add_tokens(&mut self, prompt: u32, completion: u32) {
        self.prompt_tokens += prompt;
        self.completion_tokens += completion;
        metrics::counter!("prepq_llm_tokens_total", "direction" => "prompt")
            .increment(u64::from(prompt));
        metrics::counter!("prepq_llm_tokens_total", "direction" => "completion")
            .increment(u64::from(completion));
    }

    /// What one attempt's exchange cost, in the log and the metrics, whether or not it gave
    /// a valid answer: a failed attempt is paid for too.
    fn record<T>(&self, prompt: &Prompt, outcome: &Result<T, JobError>, latency: Duration) {
        let ended = if outcome.is_ok() { "valid" } else { "failed" };
        metrics::counter!("prepq_llm_exchanges_total", "prompt" => prompt.version, "outcome" => ended)
            .increment(1);
        metrics::histogram!("prepq_llm_exchange_seconds", "prompt" => prompt.version)
            .record(latency.as_secs_f64());
        tracing::info!(
            engine = "llm",
            prompt = prompt.version,
            outcome = ended,
            calls = self.calls,
            prompt_tokens = self.prompt_tokens,
            completion_tokens = self.completion_tokens,
            latency_ms = latency.as_millis() as u64,
            "model exchange ended"
        );
    }
}

fn count_call(outcome: &'static str) {
    metrics::counter!("prepq_llm_calls_total", "outcome" => outcome).increment(1);
}

/// `max_tokens` for an answer to `schema` with `items` items.
fn answer_budget(schema: &str, items: usize) -> u32 {
    // A byte of schema a token of answer: the values written into it outweigh its words.
    let schema_tokens = u32::try_from(schema.len()).unwrap_or(u32::MAX);
    let items = u32::try_from(items).unwrap_or(u32::MAX);
    schema_tokens
        .saturating_add(TOKENS_PER_ITEM.saturating_mul(items))
        .clamp(MIN_ANSWER_TOKENS, MAX_ANSWER_TOKENS)
}

/// Texts as data: each between fences marked with a nonce none of them can contain.
pub fn fenced(texts: &[(&str, &str)]) -> String {
    let nonce = uuid::Uuid::now_v7().simple().to_string();
    texts
        .iter()
        .map(|(name, text)| {
            let text = text.replace(&nonce, "");
            format!("<<<{name}-{nonce}\n{text}\n{name}-{nonce}>>>")
        })
        .collect::<Vec<_>>()
        .join("\n\n")
}

fn retry_after(response: &reqwest::Response) -> Option<Duration> {
    let value = response.headers().get(RETRY_AFTER)?.to_str().ok()?;
    value
        .trim()
        .parse::<f64>()
        .ok()
        .map(Duration::from_secs_f64)
}

fn token_count(completion: &Value, field: &str) -> u32 {
    completion["usage"][field]
        .as_u64()
        .and_then(|n| u32::try_from(n).ok())
        .unwrap_or(0)
}
