//! Latency under concurrency: many keep-alive connections, each sending
//! small GETs one after another, all driven from one thread.
//!
//! One OS thread per client measured the scheduler rather than the server:
//! with 200 client threads on a 2-core machine each response waited for its
//! thread's turn, and even a hyper hello-world showed a p99 of about 250 ms.
//! Tasks on one tokio thread take no turns: a response is read as soon as
//! the thread is free, so the figures are the server's queueing.

use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use super::{PER_CLIENT, Series};

/// Latencies of `clients` keep-alive connections to `url`
/// (`http://127.0.0.1:PORT/path`) sending [`PER_CLIENT`] GETs each with
/// `authorization`, all started together once every connection is open and
/// has been answered once (so the figures are of requests, not connects).
pub fn measure(url: &str, authorization: &str, clients: usize) -> Result<Series> {
    let rest = url
        .strip_prefix("http://")
        .with_context(|| format!("not an http:// URL: {url}"))?;
    let (address, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let request =
        format!("GET {path} HTTP/1.1\r\nHost: {address}\r\nAuthorization: {authorization}\r\n\r\n");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let mut connections = Vec::with_capacity(clients);
        for _ in 0..clients {
            let stream = TcpStream::connect(address).await?;
            stream.set_nodelay(true)?;
            let mut connection = BufReader::new(stream);
            get(&mut connection, request.as_bytes()).await?;
            connections.push(connection);
        }
        let started = Instant::now();
        let tasks: Vec<_> = connections
            .into_iter()
            .map(|mut connection| {
                let request = request.clone();
                tokio::spawn(async move {
                    let mut latencies = Vec::with_capacity(PER_CLIENT);
                    for _ in 0..PER_CLIENT {
                        let t = Instant::now();
                        get(&mut connection, request.as_bytes()).await?;
                        latencies.push(t.elapsed());
                    }
                    anyhow::Ok(latencies)
                })
            })
            .collect();
        let mut latencies = Vec::with_capacity(clients * PER_CLIENT);
        for task in tasks {
            latencies.extend(task.await??);
        }
        Ok(series(latencies, started.elapsed()))
    })
}

fn series(mut latencies: Vec<Duration>, total: Duration) -> Series {
    latencies.sort_unstable();
    let at = |q: f64| latencies[((latencies.len() - 1) as f64 * q).round() as usize];
    Series {
        per_second: latencies.len() as f64 / total.as_secs_f64(),
        p50: at(0.50),
        p99: at(0.99),
        last_body: String::new(),
    }
}

/// Sends one request and reads its answer, which must be a 200 with a
/// `Content-Length` (both servers answer so).
async fn get(connection: &mut BufReader<TcpStream>, request: &[u8]) -> Result<()> {
    connection.get_mut().write_all(request).await?;
    let mut line = String::new();
    connection.read_line(&mut line).await?;
    if !line.starts_with("HTTP/1.1 200") {
        bail!("concurrent GET: answered `{}`", line.trim_end());
    }
    let mut length = None;
    loop {
        line.clear();
        if connection.read_line(&mut line).await? == 0 {
            bail!("concurrent GET: the connection closed inside the headers");
        }
        if line == "\r\n" {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = Some(value.trim().parse::<usize>()?);
        }
    }
    let length = length.context("concurrent GET: no Content-Length")?;
    let mut body = vec![0; length];
    connection.read_exact(&mut body).await?;
    Ok(())
}
