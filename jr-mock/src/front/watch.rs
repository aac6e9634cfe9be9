//! The front door's two connection timeouts, against slowloris clients
//! that open connections and never finish a request:
//!
//! - the **header timeout** (`--header-timeout-ms`, default
//!   [`DEFAULT_HEADER_TIMEOUT`]): once the first byte of a request arrives,
//!   its head must be complete within it;
//! - the **idle timeout** (`--idle-timeout-ms`, default
//!   [`DEFAULT_IDLE_TIMEOUT`]): a connection with no request in progress
//!   (a fresh one, or a keep-alive one between requests) is closed after it.
//!
//! A request is in progress from the moment its head is read until its
//! response body has been sent whole (or dropped), so a response being
//! computed (a clock move waiting for deliveries) or streamed is never
//! idle. A request body must arrive within the idle timeout (the front door
//! answers 408 otherwise).
//!
//! [`Watch`] holds a connection's phase; [`Watched`] (the socket) moves it
//! from idle to reading a head when bytes arrive, the service marks the
//! start of each request and a [`Busy`] guard, kept by the response body,
//! its end. [`Watch::expired`] resolves when a timeout passes.

use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::Notify;
use tokio::time::Instant;

/// The header timeout when none is configured.
pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// The idle timeout when none is configured.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// The two timeouts of every connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// From a request's first byte to the end of its head.
    pub header: Duration,
    /// With no request in progress.
    pub idle: Duration,
}

#[derive(Debug, Clone, Copy)]
enum Phase {
    /// No request in progress since this instant.
    Idle(Instant),
    /// A request head has been arriving since this instant.
    Head(Instant),
    /// This many requests are in progress.
    Busy(usize),
}

/// One connection's phase, shared by its socket, its service and its watchdog.
#[derive(Debug)]
pub struct Watch {
    phase: Mutex<Phase>,
    /// Wakes the watchdog when the phase changes, so it measures the new one.
    changed: Notify,
    timeouts: Timeouts,
}

impl Watch {
    /// A fresh connection: idle from now.
    pub fn new(timeouts: Timeouts) -> Arc<Self> {
        Arc::new(Self {
            phase: Mutex::new(Phase::Idle(Instant::now())),
            changed: Notify::new(),
            timeouts,
        })
    }

    fn phase(&self) -> std::sync::MutexGuard<'_, Phase> {
        self.phase.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Bytes arrived: an idle connection starts reading a head.
    fn bytes_arrived(&self) {
        let mut phase = self.phase();
        if let Phase::Idle(_) = *phase {
            *phase = Phase::Head(Instant::now());
            self.changed.notify_one();
        }
    }

    /// A request's head was read: it is in progress until the returned
    /// guard is dropped (with the response body).
    pub fn request_started(self: &Arc<Self>) -> Busy {
        let mut phase = self.phase();
        *phase = match *phase {
            Phase::Busy(n) => Phase::Busy(n + 1),
            Phase::Idle(_) | Phase::Head(_) => Phase::Busy(1),
        };
        self.changed.notify_one();
        Busy(self.clone())
    }

    /// Resolves when the connection has been idle, or reading one head, for
    /// longer than its timeout.
    pub async fn expired(&self) {
        loop {
            let now = Instant::now();
            let deadline = match *self.phase() {
                Phase::Idle(since) => since + self.timeouts.idle,
                Phase::Head(since) => since + self.timeouts.header,
                Phase::Busy(_) => now + self.timeouts.header.min(self.timeouts.idle),
            };
            if deadline <= now {
                return;
            }
            tokio::select! {
                () = tokio::time::sleep_until(deadline) => {}
                () = self.changed.notified() => {}
            }
        }
    }
}

/// A request in progress; dropping it ends the request.
#[derive(Debug)]
pub struct Busy(Arc<Watch>);

impl Drop for Busy {
    fn drop(&mut self) {
        let mut phase = self.0.phase();
        *phase = match *phase {
            Phase::Busy(n) if n > 1 => Phase::Busy(n - 1),
            _ => Phase::Idle(Instant::now()),
        };
        self.0.changed.notify_one();
    }
}

/// A socket that tells its [`Watch`] when bytes arrive.
pub struct Watched<T> {
    inner: T,
    watch: Arc<Watch>,
}

impl<T> Watched<T> {
    /// `inner`, reporting to `watch`.
    pub fn new(inner: T, watch: Arc<Watch>) -> Self {
        Self { inner, watch }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Watched<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.watch.bytes_arrived();
        }
        polled
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Watched<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn watch() -> Arc<Watch> {
        Watch::new(Timeouts {
            header: Duration::from_millis(100),
            idle: Duration::from_millis(300),
        })
    }

    #[tokio::test(start_paused = true)]
    async fn an_idle_connection_expires_after_the_idle_timeout() {
        let w = watch();
        let started = Instant::now();
        w.expired().await;
        assert_eq!(started.elapsed(), Duration::from_millis(300));
    }

    #[tokio::test(start_paused = true)]
    async fn a_started_head_expires_after_the_header_timeout() {
        let w = watch();
        let started = Instant::now();
        let watchdog = w.expired();
        tokio::pin!(watchdog);
        // The watchdog is already waiting out the idle time when bytes arrive.
        assert!(
            tokio::time::timeout(Duration::from_millis(50), &mut watchdog)
                .await
                .is_err()
        );
        w.bytes_arrived();
        watchdog.await;
        assert_eq!(started.elapsed(), Duration::from_millis(150));
    }

    #[tokio::test(start_paused = true)]
    async fn a_request_in_progress_never_expires_and_its_end_restarts_the_idle_time() {
        let w = watch();
        let busy = w.request_started();
        let waited = tokio::time::timeout(Duration::from_secs(3600), w.expired()).await;
        assert!(waited.is_err(), "a busy connection expired");
        drop(busy);
        let started = Instant::now();
        w.expired().await;
        assert_eq!(started.elapsed(), Duration::from_millis(300));
    }
}
