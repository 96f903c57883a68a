//! Building tool results: structured content plus text for the model, and
//! tool errors (`isError: true`) whose message the agent can act on.

use amanmcp_engine::EngineError;
use rmcp::model::{CallToolResult, ContentBlock};
use rmcp::ErrorData as McpError;
use serde::Serialize;

/// A successful result: `value` as structured content, `text` as content.
pub fn structured<T: Serialize>(value: &T, text: String) -> Result<CallToolResult, McpError> {
    let json = serde_json::to_value(value).map_err(|e| {
        McpError::internal_error(format!("cannot serialize the tool result: {e}"), None)
    })?;
    let mut result = CallToolResult::structured(json);
    result.content = vec![ContentBlock::text(text)];
    Ok(result)
}

/// A tool error the agent sees and can react to.
pub fn tool_error(message: impl Into<String>) -> Result<CallToolResult, McpError> {
    Ok(CallToolResult::error(vec![ContentBlock::text(
        message.into(),
    )]))
}

/// One line for an engine error, phrased for the agent. `building` says
/// whether the first index is still being built.
pub fn explain(error: &EngineError, building: bool) -> String {
    match error {
        // While the first index is written, readers may catch it half-created.
        EngineError::NoIndex(_) | EngineError::Index(_) if building => {
            "The index is still being built; keyword results appear within seconds. Try again shortly (index_status shows progress).".to_string()
        }
        EngineError::NoIndex(_) => {
            "There is no index for this project yet. Call reindex to build it.".to_string()
        }
        EngineError::Busy(_) => {
            // Never surface lock details: another process keeps the index fresh.
            "The index is being updated by another amanmcp process; try again in a moment.".to_string()
        }
        other => other.to_string(),
    }
}

/// Message for a blocking task that died (a panic in the engine).
pub fn task_failed(error: tokio::task::JoinError) -> Result<CallToolResult, McpError> {
    tracing::error!("engine task failed: {error}");
    tool_error(
        "internal error while running the request (see the server log); the server keeps running",
    )
}
