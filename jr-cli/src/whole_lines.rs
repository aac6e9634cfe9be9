//! stdout to a pipe, written in whole lines, so that a run ended while the
//! pipe's reader has stopped reading leaves no line cut in two (issue 12,
//! class 5).
//!
//! After SIGINT or SIGTERM the watchdog (`signals`) ends jr a second later,
//! wherever jr is. A write blocked on a full pipe has by then put part of its
//! bytes in the pipe, and the reader would get half a line. So on a pipe every
//! write is of whole lines, and is one that cannot block part-way:
//! - as many lines as the pipe has room for, by [`Pages`], a model of how
//!   Linux fills a pipe's pages (the pipe counts pages, not bytes, so its free
//!   bytes cannot be read from outside); a write that fits does not block;
//! - when what is held does not fit, the pipe is first grown, up to
//!   [`MAX_PIPE_BYTES`] (Linux's default `pipe-max-size` for unprivileged
//!   users; its pages are allocated only as they fill);
//! - when the pipe still has no room for the next line: a line of at most
//!   [`PIPE_BUF`] bytes is written alone, which POSIX makes atomic on a pipe
//!   (all its bytes go in, or none); a longer line waits until there is room
//!   for all of it.
//!
//! So output of up to about 1 MiB is written at once, even when the reader
//! waits for jr to exit before reading (a plain write managed 64 KiB).
//!
//! What this cannot protect, and is written as it comes: a line longer than
//! [`MAX_PIPE_BYTES`]; on systems other than Linux (no model) a line longer
//! than [`PIPE_BUF`]; and a pipe that another process writes into at the same
//! time (the model is then wrong until the pipe is next seen empty). A
//! terminal or a file is written straight through: neither stays blocked on a
//! reader.

use std::collections::VecDeque;
use std::io::{self, Write};
#[cfg(unix)]
use std::os::fd::AsFd;

/// The size up to which POSIX makes a write to a pipe atomic (4,096 bytes on
/// Linux; POSIX requires at least 512).
pub const PIPE_BUF: usize = 4096;

/// The most a line may be held back for, in bytes, and the most the pipe is
/// grown to: 1 MiB, Linux's default `/proc/sys/fs/pipe-max-size`.
pub const MAX_PIPE_BYTES: usize = 1 << 20;

/// A pipe's page, in bytes.
const PAGE: usize = 4096;

/// A writer that, when `W` is a pipe, writes only whole lines in writes that
/// cannot block part-way (see the module docs); anything else goes straight
/// to `W`. The bytes after the last line end are held until the line ends,
/// until more than [`MAX_PIPE_BYTES`] are held, or until [`Write::flush`].
pub struct WholeLines<W: Write> {
    inner: W,
    /// `Some` when `inner` is a pipe.
    pipe: Option<Pages>,
    held: Vec<u8>,
}

#[cfg(unix)]
impl<W: Write + AsFd> WholeLines<W> {
    /// Wraps `inner`, which is checked once for being a pipe (a FIFO).
    pub fn new(inner: W) -> Self {
        let pipe = rustix::fs::fstat(inner.as_fd())
            .is_ok_and(|st| rustix::fs::FileType::from_raw_mode(st.st_mode).is_fifo());
        WholeLines {
            inner,
            pipe: pipe.then(Pages::default),
            held: Vec::new(),
        }
    }
}

#[cfg(not(unix))]
impl<W: Write> WholeLines<W> {
    /// Wraps `inner`, written straight through (see the module docs).
    pub fn new(inner: W) -> Self {
        WholeLines {
            inner,
            pipe: None,
            held: Vec::new(),
        }
    }
}

impl<W: Write + Room> WholeLines<W> {
    /// Writes `held[..end]` (which ends at a line end, or is everything held)
    /// in writes that cannot block part-way, and drops it from `held`. On an
    /// error what is held is dropped too: the reader has gone or stdout
    /// failed, and the sink writes nothing more.
    fn write_held(&mut self, end: usize) -> io::Result<()> {
        let mut start = 0;
        while start < end {
            let rest = end - start;
            // Up to PIPE_BUF is atomic: while the model, not caught up with
            // the reader (so counting too many pages), still sees pages to
            // spare, there is no need to ask the pipe (two system calls).
            let spare = self.pipe.as_ref().is_some_and(Pages::has_spare_pages);
            let mut room = if rest <= PIPE_BUF && spare {
                PIPE_BUF
            } else {
                self.room()
            };
            if rest > room && self.grow_for(rest) {
                room = self.room();
            }
            let len = chunk_len(&self.held[start..end], room.max(PIPE_BUF));
            if len > PIPE_BUF && len > room {
                self.wait_for_room(len);
            }
            if let Err(e) = self.inner.write_all(&self.held[start..start + len]) {
                self.held.clear();
                return Err(e);
            }
            if let Some(pages) = &mut self.pipe {
                pages.wrote(len);
            }
            start += len;
        }
        self.held.drain(..end);
        Ok(())
    }

    /// The bytes a write can put in the pipe now without blocking, by the
    /// model; 0 when the pipe's state cannot be read.
    fn room(&mut self) -> usize {
        self.look().map_or(0, |look| look.room)
    }

    /// The pipe now, by the model once caught up with the reader (one
    /// `F_GETPIPE_SZ` and one `FIONREAD`); `None` when its state cannot be
    /// read.
    fn look(&mut self) -> Option<Look> {
        let (Some(pages), Some((size, unread))) = (&mut self.pipe, self.inner.state()) else {
            return None;
        };
        pages.sync(unread);
        pages.size = size;
        Some(Look {
            room: pages.room(size),
            size,
            full: pages.ends.len() >= size / PAGE,
        })
    }

    /// Grows the pipe, up to [`MAX_PIPE_BYTES`], so that `len` more bytes
    /// fit beside what it holds: output that fits then goes at once, even
    /// to a reader that reads only once jr has exited. A pipe's pages are
    /// allocated only as they fill, so a bigger size costs no memory until
    /// used. True when the pipe grew.
    fn grow_for(&mut self, len: usize) -> bool {
        let (Some(pages), Some((size, _))) = (&self.pipe, self.inner.state()) else {
            return false;
        };
        let want = ((pages.ends.len() + len.div_ceil(PAGE) + 2) * PAGE)
            .next_power_of_two()
            .min(MAX_PIPE_BYTES);
        want > size && self.inner.grow(want).is_some_and(|grown| grown > size)
    }

    /// Returns once `len` bytes fit (see [`WholeLines::room`]), or the pipe
    /// can never hold them (it could not grow enough), or the reader has
    /// gone (the write then fails), or the pipe's state cannot be read.
    /// Waits as long as the reader does not read, like a blocking write;
    /// the signal watchdog bounds it.
    fn wait_for_room(&mut self, len: usize) {
        let mut wait_us = 100;
        while let Some(look) = self.look() {
            if look.room >= len || look.size < (len.div_ceil(PAGE) + 2) * PAGE {
                return;
            }
            // Every page taken: the kernel wakes a writer when one is freed.
            if !self.inner.pause(wait_us, look.full) {
                return;
            }
            wait_us = (wait_us * 2).min(2_000);
        }
    }
}

/// What [`WholeLines::look`] sees of the pipe.
struct Look {
    /// The bytes a write can put in without blocking.
    room: usize,
    /// The pipe's size, in bytes.
    size: usize,
    /// Every page is taken.
    full: bool,
}

impl<W: Write + Room> Write for WholeLines<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.pipe.is_none() {
            return self.inner.write(buf);
        }
        self.held.extend_from_slice(buf);
        let end = if self.held.len() > MAX_PIPE_BYTES {
            self.held.len()
        } else {
            self.held
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |at| at + 1)
        };
        self.write_held(end)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.pipe.is_some() {
            self.write_held(self.held.len())?;
        }
        self.inner.flush()
    }
}

impl<W: Write> Drop for WholeLines<W> {
    fn drop(&mut self) {
        if !self.held.is_empty() {
            let _ = self.inner.write_all(&self.held);
            let _ = self.inner.flush();
        }
    }
}

/// The length of the next write from `bytes` (which end at a line end, or
/// are the last bytes of all): all of them when they fit in `limit`, else as
/// many whole lines as fit, else the first line alone.
fn chunk_len(bytes: &[u8], limit: usize) -> usize {
    if bytes.len() <= limit {
        return bytes.len();
    }
    match bytes[..limit].iter().rposition(|&b| b == b'\n') {
        Some(at) => at + 1,
        None => bytes
            .iter()
            .position(|&b| b == b'\n')
            .map_or(bytes.len(), |at| at + 1),
    }
}

/// The pages of a pipe that jr's writes fill, as Linux fills them
/// (`pipe_write` in fs/pipe.c): a write into a pipe that is not empty first
/// tops up the last page with its `len % 4096` bytes when they fit there,
/// and puts the rest in new pages of 4,096 bytes, the last one partial. A
/// page is freed once the reader has read all of it. Kept in step with the
/// reader by the pipe's unread bytes (`FIONREAD`).
#[derive(Debug, Default)]
struct Pages {
    /// The bytes written into each page still in the pipe, oldest first.
    ends: VecDeque<usize>,
    /// The bytes of the oldest page the reader has read.
    front_read: usize,
    /// The pipe's size when last asked, in bytes (0: not yet asked).
    size: usize,
}

impl Pages {
    fn unread(&self) -> usize {
        self.ends.iter().sum::<usize>() - self.front_read
    }

    /// Whether a write of one page fits with pages to spare, by the model
    /// as it stands (which only over-counts until [`Pages::sync`]).
    fn has_spare_pages(&self) -> bool {
        (self.ends.len() + 3) * PAGE <= self.size
    }

    /// Catches up with the reader: `unread` bytes are left in the pipe.
    fn sync(&mut self, unread: usize) {
        if unread == 0 {
            self.ends.clear();
            self.front_read = 0;
            return;
        }
        let ours = self.unread();
        if unread > ours {
            // Bytes jr did not write (written before jr started, or by
            // another process): assume full pages and one spare.
            let pages = unread.div_ceil(PAGE) + 1;
            self.ends = std::iter::repeat_n(PAGE, pages).collect();
            self.front_read = pages * PAGE - unread;
            return;
        }
        let mut consumed = ours - unread;
        while let Some(&end) = self.ends.front() {
            let left = end - self.front_read;
            if consumed < left {
                self.front_read += consumed;
                break;
            }
            consumed -= left;
            self.ends.pop_front();
            self.front_read = 0;
        }
    }

    /// The bytes a write can put in a pipe of `size` bytes without
    /// blocking: its free pages less one (a margin for what the model cannot
    /// see), as whole pages.
    fn room(&self, size: usize) -> usize {
        (size / PAGE).saturating_sub(self.ends.len() + 1) * PAGE
    }

    /// Records a write of `len` bytes.
    fn wrote(&mut self, mut len: usize) {
        let tail = len % PAGE;
        if let Some(last) = self.ends.back_mut()
            && tail > 0
            && *last + tail <= PAGE
        {
            *last += tail;
            len -= tail;
        }
        while len > 0 {
            let page = len.min(PAGE);
            self.ends.push_back(page);
            len -= page;
        }
    }
}

/// A pipe's state, as [`WholeLines`] needs it.
pub trait Room {
    /// The pipe's size and its unread bytes, in bytes; `None` when they
    /// cannot be read (not Linux, not a pipe).
    fn state(&self) -> Option<(usize, usize)>;
    /// Asks for a pipe of `size` bytes; the size it now has.
    fn grow(&mut self, size: usize) -> Option<usize>;
    /// Waits for the reader: with `full`, until it frees a page (or 20 ms
    /// pass), else about `us` microseconds. False when the reader has gone
    /// (the next write fails, and the sink ends quietly).
    fn pause(&self, us: u64, full: bool) -> bool;
}

#[cfg(target_os = "linux")]
impl<T: AsFd> Room for T {
    fn state(&self) -> Option<(usize, usize)> {
        let fd = self.as_fd();
        let size = rustix::pipe::fcntl_getpipe_size(fd).ok()?;
        let unread = rustix::io::ioctl_fionread(fd).ok()?;
        Some((size, usize::try_from(unread).ok()?))
    }

    fn grow(&mut self, size: usize) -> Option<usize> {
        rustix::pipe::fcntl_setpipe_size(self.as_fd(), size).ok()
    }

    fn pause(&self, us: u64, full: bool) -> bool {
        use rustix::event::{PollFd, PollFlags, Timespec, poll};
        // A pipe says it is writable when one page is free: worth waiting
        // for only when it is full; otherwise poll for a gone reader alone
        // (POLLERR is always reported). A signal's EINTR is a pause like
        // any other.
        let fd = self.as_fd();
        let (events, us) = if full {
            (PollFlags::OUT, 20_000)
        } else {
            (PollFlags::empty(), us)
        };
        let timeout = Timespec {
            tv_sec: 0,
            tv_nsec: i64::try_from(us * 1_000).unwrap_or(1_000_000),
        };
        let mut fds = [PollFd::new(&fd, events)];
        match poll(&mut fds, Some(&timeout)) {
            Ok(0) | Err(rustix::io::Errno::INTR) => true,
            Ok(_) => !fds[0].revents().intersects(PollFlags::ERR | PollFlags::HUP),
            Err(_) => false,
        }
    }
}

#[cfg(not(target_os = "linux"))]
impl<T> Room for T {
    fn state(&self) -> Option<(usize, usize)> {
        None
    }
    fn grow(&mut self, _size: usize) -> Option<usize> {
        None
    }
    fn pause(&self, _us: u64, _full: bool) -> bool {
        false
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;
    use std::io::Read;
    use std::time::Duration;

    /// Runs `work` on a thread; fails (instead of hanging) if it has not
    /// ended within 10 s.
    fn within_10s<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
        let (done, ended) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = done.send(work());
        });
        ended
            .recv_timeout(Duration::from_secs(10))
            .expect("still blocked after 10 s")
    }

    fn lines(lengths: &[usize]) -> Vec<u8> {
        let mut bytes = Vec::new();
        for (i, &len) in lengths.iter().enumerate() {
            let fill = if i % 2 == 0 { b'a' } else { b'b' };
            bytes.extend(std::iter::repeat_n(fill, len - 1));
            bytes.push(b'\n');
        }
        bytes
    }

    /// The reviews' wait-then-read deadlock: output near the pipe's size,
    /// with lines over PIPE_BUF or lines that fill pages badly one write at
    /// a time, is all written while nobody reads (a plain write of it would
    /// have fit), whether it comes in one buffer or a line at a time.
    #[test]
    fn output_that_fits_the_pipe_is_written_while_nobody_reads() {
        let mut shapes: Vec<Vec<usize>> = [
            (5_000, 13),
            (9_000, 7),
            (4_097, 15),
            (2_100, 31),
            (100, 655),
            (30_000, 2),
        ]
        .iter()
        .map(|&(len, n)| vec![len; n])
        .collect();
        let mut mixed = vec![5_000, 5_000];
        mixed.extend([2_100; 20]);
        shapes.push(mixed);
        for lengths in shapes {
            for one_buffer in [true, false] {
                let (mut reader, writer) = std::io::pipe().unwrap();
                rustix::pipe::fcntl_setpipe_size(&writer, 65_536).unwrap();
                let sent = lines(&lengths);
                let copy = sent.clone();
                within_10s(move || {
                    let mut out = WholeLines::new(writer);
                    if one_buffer {
                        out.write_all(&copy).unwrap();
                    } else {
                        for line in copy.split_inclusive(|&b| b == b'\n') {
                            out.write_all(line).unwrap();
                            out.flush().unwrap();
                        }
                    }
                    out.flush().unwrap();
                });
                let mut got = Vec::new();
                reader.read_to_end(&mut got).unwrap();
                assert_eq!(got.len(), sent.len(), "{lengths:?}");
                assert!(got == sent, "{lengths:?}");
            }
        }
    }

    /// The reader never reads: whatever is in the pipe when the writer is
    /// stuck ends at a line end, for lines under and over PIPE_BUF.
    #[test]
    fn a_full_pipe_holds_only_whole_lines() {
        for lengths in [[1_500, 20_000], [3_000, 9_000], [700, 4_097]] {
            let (reader, writer) = std::io::pipe().unwrap();
            rustix::pipe::fcntl_setpipe_size(&writer, 65_536).unwrap();
            // More than the pipe can grow to (1 MiB), so it fills.
            let times = 1_300_000 / lengths.iter().sum::<usize>();
            let sent = lines(&lengths.repeat(times));
            let copy = sent.clone();
            let writing = std::thread::spawn(move || {
                let mut out = WholeLines::new(writer);
                // A big buffer, as the sink's, then one line at a time:
                // fails with EPIPE once the reader is dropped below.
                let _ = out.write_all(&copy[..30_000]).and_then(|()| {
                    copy[30_000..]
                        .split_inclusive(|&b| b == b'\n')
                        .try_for_each(|line| out.write_all(line))
                });
            });
            // Filled: unchanged over 20 looks 5 ms apart.
            let deadline = std::time::Instant::now() + Duration::from_secs(10);
            let (mut last, mut same) = (usize::MAX, 0);
            while same < 20 {
                assert!(std::time::Instant::now() < deadline, "{lengths:?}");
                std::thread::sleep(Duration::from_millis(5));
                let unread = rustix::io::ioctl_fionread(&reader).unwrap() as usize;
                same = if unread == last { same + 1 } else { 0 };
                last = unread;
            }
            assert!(last > 30_000, "{lengths:?}: {last}");
            assert_eq!(sent[last - 1], b'\n', "{lengths:?}: cut after {last} bytes");
            drop(reader);
            writing.join().unwrap();
        }
    }

    /// The model follows Linux's filling of pages.
    #[test]
    fn pages_fill_as_linux_fills_them() {
        let mut pages = Pages::default();
        pages.wrote(1_500);
        pages.wrote(1_500); // tops up the first page: 3,000
        pages.wrote(1_500); // does not fit: a new page
        assert_eq!(pages.ends, [3_000, 1_500]);
        pages.wrote(9_000); // 808 top up the last page, then two full pages
        assert_eq!(pages.ends, [3_000, 2_308, 4_096, 4_096]);
        pages.sync(pages.unread() - 3_100); // the reader took a page and 100 bytes
        assert_eq!((pages.ends.len(), pages.front_read), (3, 100));
        assert_eq!(pages.room(65_536), (16 - 3 - 1) * 4_096);
        pages.size = 65_536;
        assert!(pages.has_spare_pages());
        pages.sync(0);
        assert!(pages.ends.is_empty());
        pages.sync(10_000); // bytes jr did not write: full pages and a spare
        assert_eq!((pages.ends.len(), pages.unread()), (4, 10_000));
    }

    #[test]
    fn a_file_is_written_straight_through() {
        let file = tempfile::tempfile().unwrap();
        let mut out = WholeLines::new(file);
        assert!(out.pipe.is_none());
        out.write_all(b"no line end").unwrap();
        assert!(out.held.is_empty());
    }
}
