//! A ttrpc-rust peer for shim4j's interoperability tests (ttrpc crate 0.5, sync API).
//!
//! ```text
//! rust-ttrpc-peer server SOCKET
//!     Serve service bench.Echo on the Unix socket file SOCKET until stdin reaches EOF.
//!     Prints "ready SOCKET" once it accepts connections.
//!       Echo  answers the request unchanged.
//!       Meta  answers with what the server saw of the call: "timeout_nano=N" then one
//!             "key=value" line per metadata value (sorted), as the bytes field.
//!       Fail  answers with an error status whose code is the request's bytes as a decimal
//!             number, and message "rust peer failed on purpose".
//! rust-ttrpc-peer client SOCKET CALLS SIZE THREADS
//!     THREADS callers share one connection and send CALLS echo calls in total with a SIZE-byte
//!     payload (with metadata and a timeout), verify every answer and print
//!     "ok calls=CALLS size=SIZE threads=THREADS".
//! rust-ttrpc-peer call SOCKET SERVICE METHOD TEXT
//!     One call with TEXT as the bytes field (with metadata and a 5 s timeout); prints
//!     "ok payload=TEXT" or "error code=N name=NAME message=MSG".
//! ```
//! Any other failure prints "fail: REASON" on stderr and exits with status 2.
//!
//! The request and response of every method are a message with field 1 bytes, coded here by
//! hand so the program needs no protoc step.
//!
//! Sockets are opened with std and handed to ttrpc as file descriptors: ttrpc-rust 0.5 reads
//! "unix://NAME" as a Linux ABSTRACT socket name, while containerd and shim4j use socket files.

use std::collections::HashMap;
use std::io::Read;
use std::os::unix::io::IntoRawFd;
use std::os::unix::net::{UnixListener, UnixStream};
use std::sync::Arc;
use std::thread;

use protobuf::ProtobufEnum;
use ttrpc::sync::client::Client;
use ttrpc::sync::server::Server;
use ttrpc::{Code, MethodHandler, Request, Response, TtrpcContext};

const SERVICE: &str = "bench.Echo";
const TIMEOUT_NANO: i64 = 5_000_000_000;
const METADATA_KEY: &str = "x-interop-peer";
const METADATA_VALUE: &str = "rust";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["server", socket] => serve(socket),
        ["client", socket, calls, size, threads] => {
            echo_load(socket, number(calls), number(size), number(threads))
        }
        ["call", socket, service, method, text] => call_once(socket, service, method, text),
        _ => Err("usage: server SOCKET | client SOCKET CALLS SIZE THREADS | \
                  call SOCKET SERVICE METHOD TEXT"
            .to_string()),
    };
    if let Err(reason) = result {
        eprintln!("fail: {}", reason);
        std::process::exit(2);
    }
}

fn number(text: &str) -> usize {
    text.parse().unwrap_or_else(|_| {
        eprintln!("fail: not a number: {}", text);
        std::process::exit(2)
    })
}

// ---------------------------------------------------------------- message { bytes data = 1; }

fn encode_bytes_message(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + 6);
    if data.is_empty() {
        return out; // proto3: an empty field is not written
    }
    out.push(0x0a); // field 1, wire type 2
    let mut len = data.len() as u64;
    while len >= 0x80 {
        out.push((len as u8) | 0x80);
        len >>= 7;
    }
    out.push(len as u8);
    out.extend_from_slice(data);
    out
}

fn decode_bytes_message(buf: &[u8]) -> Result<Vec<u8>, String> {
    let mut pos = 0;
    let mut data = Vec::new();
    while pos < buf.len() {
        let key = varint(buf, &mut pos)?;
        match key & 7 {
            0 => {
                varint(buf, &mut pos)?;
            }
            1 => pos += 8,
            5 => pos += 4,
            2 => {
                let len = varint(buf, &mut pos)? as usize;
                let end = pos.checked_add(len).filter(|e| *e <= buf.len());
                let end = end.ok_or("length-delimited field runs past the end")?;
                if key >> 3 == 1 {
                    data = buf[pos..end].to_vec();
                }
                pos = end;
            }
            other => return Err(format!("unsupported wire type {}", other)),
        }
    }
    if pos > buf.len() {
        return Err("truncated message".to_string());
    }
    Ok(data)
}

fn varint(buf: &[u8], pos: &mut usize) -> Result<u64, String> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let byte = *buf.get(*pos).ok_or("truncated varint")?;
        *pos += 1;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Ok(value);
        }
    }
    Err("varint too long".to_string())
}

// ---------------------------------------------------------------- server

/// What one method does with the request's bytes field: an answer or an error status.
type Behaviour = fn(&TtrpcContext, Vec<u8>) -> Result<Vec<u8>, (Code, String)>;

struct Method(Behaviour);

impl MethodHandler for Method {
    fn handler(&self, ctx: TtrpcContext, req: Request) -> ttrpc::Result<()> {
        // Errors go back as a status; an Err from here would make ttrpc-rust drop the connection.
        let outcome = decode_bytes_message(&req.payload)
            .map_err(|e| (Code::INVALID_ARGUMENT, e))
            .and_then(|data| (self.0)(&ctx, data));
        let mut res = Response::new();
        match outcome {
            Ok(data) => {
                res.set_status(ttrpc::get_status(Code::OK, ""));
                res.payload = encode_bytes_message(&data);
            }
            Err((code, message)) => res.set_status(ttrpc::get_status(code, message)),
        }
        ttrpc::response_to_channel(ctx.mh.stream_id, res, ctx.res_tx)
    }
}

fn echo(_ctx: &TtrpcContext, data: Vec<u8>) -> Result<Vec<u8>, (Code, String)> {
    Ok(data)
}

fn meta(ctx: &TtrpcContext, _data: Vec<u8>) -> Result<Vec<u8>, (Code, String)> {
    let mut lines = vec![format!("timeout_nano={}", ctx.timeout_nano)];
    let mut pairs: Vec<String> = ctx
        .metadata
        .iter()
        .flat_map(|(k, vs)| vs.iter().map(move |v| format!("{}={}", k, v)))
        .collect();
    pairs.sort();
    lines.extend(pairs);
    Ok(lines.join("\n").into_bytes())
}

fn fail(_ctx: &TtrpcContext, data: Vec<u8>) -> Result<Vec<u8>, (Code, String)> {
    let text = String::from_utf8_lossy(&data).to_string();
    let code = text
        .trim()
        .parse::<i32>()
        .ok()
        .and_then(Code::from_i32)
        .ok_or((Code::INVALID_ARGUMENT, format!("not a status code: {}", text)))?;
    Err((code, "rust peer failed on purpose".to_string()))
}

fn serve(socket: &str) -> Result<(), String> {
    let _ = std::fs::remove_file(socket);
    let listener = UnixListener::bind(socket).map_err(|e| format!("bind {}: {}", socket, e))?;
    let mut methods: HashMap<String, Box<dyn MethodHandler + Send + Sync>> = HashMap::new();
    let behaviours: [(&str, Behaviour); 3] = [("Echo", echo), ("Meta", meta), ("Fail", fail)];
    for (name, behaviour) in behaviours.iter() {
        methods.insert(format!("/{}/{}", SERVICE, name), Box::new(Method(*behaviour)));
    }
    let mut server = Server::new()
        .add_listener(listener.into_raw_fd())
        .map(|s| s.register_service(methods))
        .map_err(|e| format!("server: {}", e))?;
    server.start().map_err(|e| format!("start: {}", e))?;
    println!("ready {}", socket);

    // The test owns this process through its stdin: EOF (the test closed it, or died) ends it,
    // so a peer can never outlive its test.
    let mut sink = Vec::new();
    let _ = std::io::stdin().read_to_end(&mut sink);
    let _ = std::fs::remove_file(socket);
    std::process::exit(0);
}

// ---------------------------------------------------------------- client

fn connect(socket: &str) -> Result<Client, String> {
    let stream = UnixStream::connect(socket).map_err(|e| format!("connect {}: {}", socket, e))?;
    Ok(Client::new(stream.into_raw_fd()))
}

fn request(service: &str, method: &str, data: &[u8]) -> Request {
    let mut req = Request::new();
    req.set_service(service.to_string());
    req.set_method(method.to_string());
    req.set_timeout_nano(TIMEOUT_NANO);
    let mut ctx = ttrpc::context::with_timeout(TIMEOUT_NANO);
    ctx.add(METADATA_KEY.to_string(), METADATA_VALUE.to_string());
    req.set_metadata(ttrpc::context::to_pb(ctx.metadata));
    req.payload = encode_bytes_message(data);
    req
}

fn pattern(size: usize, seed: usize) -> Vec<u8> {
    (0..size).map(|i| ((i * 31 + seed) % 251) as u8).collect()
}

fn echo_load(socket: &str, calls: usize, size: usize, threads: usize) -> Result<(), String> {
    let client = connect(socket)?;
    let threads = threads.max(1);
    let failures = Arc::new(std::sync::Mutex::new(Vec::new()));
    let workers: Vec<_> = (0..threads)
        .map(|t| {
            let client = client.clone();
            let failures = failures.clone();
            let mine = calls / threads + usize::from(t < calls % threads);
            thread::spawn(move || {
                for i in 0..mine {
                    let sent = pattern(size, t * 1_000_003 + i);
                    let outcome = client
                        .request(request(SERVICE, "Echo", &sent))
                        .map_err(|e| format!("call: {}", e))
                        .and_then(|res| decode_bytes_message(&res.payload))
                        .and_then(|got| {
                            if got == sent {
                                Ok(())
                            } else {
                                Err(format!("echo differs: sent {} bytes, got {}", sent.len(), got.len()))
                            }
                        });
                    if let Err(e) = outcome {
                        failures.lock().unwrap().push(format!("thread {} call {}: {}", t, i, e));
                        return;
                    }
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().map_err(|_| "a caller thread panicked".to_string())?;
    }
    let failures = failures.lock().unwrap();
    if let Some(first) = failures.first() {
        return Err(format!("{} caller(s) failed, first: {}", failures.len(), first));
    }
    println!("ok calls={} size={} threads={}", calls, size, threads);
    Ok(())
}

fn call_once(socket: &str, service: &str, method: &str, text: &str) -> Result<(), String> {
    let client = connect(socket)?;
    match client.request(request(service, method, text.as_bytes())) {
        Ok(res) => {
            let data = decode_bytes_message(&res.payload)?;
            println!("ok payload={}", String::from_utf8_lossy(&data));
        }
        Err(ttrpc::Error::RpcStatus(status)) => {
            let code = status.get_code();
            println!(
                "error code={} name={:?} message={}",
                code as i32,
                code,
                status.get_message()
            );
        }
        Err(e) => return Err(format!("call: {}", e)),
    }
    Ok(())
}
