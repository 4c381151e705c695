//! Several server processes on one document: each publishes the updates and
//! awareness messages its clients send to a Redis channel per room, and
//! applies and forwards what the other processes publish. Every process
//! keeps its own copy of each open room, so they converge like any Yjs
//! replicas.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;

use crate::server::Server;
use crate::store::{hex_name, unhex_name};
use crate::CollabError;

/// Publishing side, shared by the rooms' writers.
pub(crate) struct Relay {
    conn: redis::aio::MultiplexedConnection,
    /// This process's id, so it skips its own messages.
    origin: u64,
    namespace: String,
}

fn channel_prefix(namespace: &str) -> String {
    format!("{namespace}:relay:")
}

impl Relay {
    /// Connects, subscribes to every room's channel and starts forwarding
    /// what other processes publish to `server`.
    pub(crate) async fn start(
        server: &Arc<Server>,
        url: &str,
        namespace: &str,
    ) -> Result<Relay, CollabError> {
        let fail = |e: redis::RedisError| CollabError::Config(format!("relay {url}: {e}"));
        let client = redis::Client::open(url).map_err(fail)?;
        let conn = client
            .get_multiplexed_async_connection()
            .await
            .map_err(fail)?;
        let origin = fastrand::u64(..);
        let mut pubsub = client.get_async_pubsub().await.map_err(fail)?;
        let prefix = channel_prefix(namespace);
        pubsub
            .psubscribe(format!("{prefix}*"))
            .await
            .map_err(fail)?;
        let weak = Arc::downgrade(server);
        tokio::spawn(async move {
            let mut stream = pubsub.into_on_message();
            loop {
                while let Some(msg) = stream.next().await {
                    let Some(server) = weak.upgrade() else { return };
                    let Some(room) = msg
                        .get_channel_name()
                        .strip_prefix(&prefix)
                        .and_then(unhex_name)
                    else {
                        continue;
                    };
                    let payload = msg.get_payload_bytes();
                    let Some((head, frame)) = payload.split_first_chunk::<8>() else {
                        continue;
                    };
                    if u64::from_le_bytes(*head) != origin {
                        server.remote(&room, frame).await;
                    }
                }
                // The subscription dropped (Redis restarted): subscribe again.
                loop {
                    tokio::time::sleep(Duration::from_millis(500)).await;
                    if weak.strong_count() == 0 {
                        return;
                    }
                    let again = async {
                        let mut p = client.get_async_pubsub().await?;
                        p.psubscribe(format!("{prefix}*")).await?;
                        Ok::<_, redis::RedisError>(p)
                    };
                    match again.await {
                        Ok(p) => {
                            stream = p.into_on_message();
                            break;
                        }
                        Err(e) => eprintln!("sheet-collab: relay subscription: {e}"),
                    }
                }
            }
        });
        Ok(Relay {
            conn,
            origin,
            namespace: namespace.to_owned(),
        })
    }

    /// Publishes encoded y-sync messages of one room, in one round trip.
    pub(crate) async fn publish(&self, room: &str, frames: &[Vec<u8>]) -> Result<(), CollabError> {
        if frames.is_empty() {
            return Ok(());
        }
        let channel = format!("{}{}", channel_prefix(&self.namespace), hex_name(room));
        let mut pipe = redis::pipe();
        for frame in frames {
            let mut payload = Vec::with_capacity(8 + frame.len());
            payload.extend_from_slice(&self.origin.to_le_bytes());
            payload.extend_from_slice(frame);
            pipe.cmd("PUBLISH").arg(&channel).arg(payload).ignore();
        }
        let mut conn = self.conn.clone();
        pipe.query_async::<()>(&mut conn)
            .await
            .map_err(|e| CollabError::Store(format!("relay publish: {e}")))
    }
}
