//! Index progress as MCP `notifications/progress`. The engine reports from
//! worker threads; notifications must go out in order and not flood the
//! client, so events go through a channel to one async task that throttles
//! and keeps `progress` strictly increasing across phases.

use amanmcp_engine::ProgressSink;
use rmcp::model::{ProgressNotificationParam, ProgressToken};
use rmcp::{Peer, RoleServer};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};

/// Minimum time between two notifications within one phase.
const MIN_INTERVAL: Duration = Duration::from_millis(250);

enum Update {
    Phase(String, Option<u64>),
    Advance(u64),
    Message(String),
}

/// Forwards engine progress for one client request (its progress token).
pub struct McpProgress {
    tx: Mutex<Option<UnboundedSender<Update>>>,
}

impl McpProgress {
    /// Spawns the forwarding task on the current runtime.
    pub fn start(peer: Peer<RoleServer>, token: ProgressToken) -> McpProgress {
        let (tx, rx) = unbounded_channel();
        tokio::spawn(forward(peer, token, rx));
        McpProgress {
            tx: Mutex::new(Some(tx)),
        }
    }

    /// Ends the stream; the task sends what is pending and exits.
    pub fn close(&self) {
        if let Ok(mut tx) = self.tx.lock() {
            tx.take();
        }
    }

    fn send(&self, update: Update) {
        if let Ok(tx) = self.tx.lock() {
            if let Some(tx) = tx.as_ref() {
                let _ = tx.send(update);
            }
        }
    }
}

impl ProgressSink for McpProgress {
    fn phase(&self, name: &str, total: Option<u64>) {
        self.send(Update::Phase(name.to_string(), total));
    }

    fn advance(&self, n: u64) {
        self.send(Update::Advance(n));
    }

    fn message(&self, msg: &str) {
        self.send(Update::Message(msg.to_string()));
    }
}

/// Progress bookkeeping: `done` counts units over all phases so the
/// reported value only ever grows; `total` is known per phase.
#[derive(Default)]
struct Tally {
    phase: String,
    phase_total: Option<u64>,
    phase_done: u64,
    offset: u64,
    sent: Option<f64>,
    message: Option<String>,
}

impl Tally {
    fn apply(&mut self, update: Update) -> bool {
        match update {
            Update::Phase(name, total) => {
                self.offset += self.phase_done;
                self.phase = name;
                self.phase_total = total;
                self.phase_done = 0;
                self.message = None;
                true
            }
            Update::Advance(n) => {
                self.phase_done += n;
                false
            }
            Update::Message(m) => {
                self.message = Some(m);
                false
            }
        }
    }

    /// The next notification, if progress moved since the last one.
    fn notification(&mut self, token: &ProgressToken) -> Option<ProgressNotificationParam> {
        let progress = (self.offset + self.phase_done) as f64;
        if self.sent.is_some_and(|s| progress <= s) {
            return None;
        }
        self.sent = Some(progress);
        let mut param = ProgressNotificationParam::new(token.clone(), progress);
        param.total = self.phase_total.map(|t| (self.offset + t) as f64);
        let counts = match self.phase_total {
            Some(t) => format!("{}/{}", self.phase_done, t),
            None => self.phase_done.to_string(),
        };
        param.message = Some(match &self.message {
            Some(m) => format!("{} {counts}: {m}", self.phase),
            None => format!("{} {counts}", self.phase),
        });
        Some(param)
    }
}

async fn forward(peer: Peer<RoleServer>, token: ProgressToken, mut rx: UnboundedReceiver<Update>) {
    let mut tally = Tally::default();
    let mut last_sent = Instant::now() - MIN_INTERVAL;
    while let Some(update) = rx.recv().await {
        let mut phase_changed = tally.apply(update);
        // Fold everything already queued into this notification.
        while let Ok(more) = rx.try_recv() {
            phase_changed |= tally.apply(more);
        }
        if !phase_changed && last_sent.elapsed() < MIN_INTERVAL {
            continue;
        }
        if let Some(param) = tally.notification(&token) {
            last_sent = Instant::now();
            if peer.notify_progress(param).await.is_err() {
                return; // client gone
            }
        }
    }
    if let Some(param) = tally.notification(&token) {
        let _ = peer.notify_progress(param).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rmcp::model::NumberOrString;

    #[test]
    fn progress_only_grows_across_phases() {
        let token = ProgressToken(NumberOrString::Number(1));
        let mut t = Tally::default();
        t.apply(Update::Phase("scan".into(), None));
        assert!(t.notification(&token).is_none() || t.sent == Some(0.0));
        t.apply(Update::Advance(10));
        let a = t.notification(&token).expect("moved");
        t.apply(Update::Phase("embed".into(), Some(5)));
        t.apply(Update::Advance(2));
        let b = t.notification(&token).expect("moved");
        assert!(b.progress > a.progress);
        assert_eq!(b.total, Some(15.0));
        assert_eq!(b.message.as_deref(), Some("embed 2/5"));
        assert!(
            t.notification(&token).is_none(),
            "no repeat without progress"
        );
    }
}
