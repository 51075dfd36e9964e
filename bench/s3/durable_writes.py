"""The disk's durable small-write rate: what bench/s3 compares a 4 KiB PUT with fsync against.

Usage: durable_writes.py DIR SECONDS THREADS SIZE -> prints one JSON line {rate, ops, seconds}

THREADS threads each do, for SECONDS, the file work one Gatehouse PUT with `fsync: true` does
(plugins/s3/object_store.cpp), with no HTTP, no parsing and no MD5:
  write SIZE bytes at the start of the thread's spare file, fsync it,
  exchange it with one of the thread's keys (renameat2 RENAME_EXCHANGE: the old object's file
  becomes the next spare, as Gatehouse recycles it), fsync the key's directory.
Keys spread over 16 fan-out directories per thread, as object keys do over 256. The rate is
bound by the two flushes per write; Python's interpreter lock is released in every system
call, and its own cost (~20 us a write) is small next to the flushes.
"""
import ctypes
import json
import os
import sys
import threading
import time

AT_FDCWD = -100
RENAME_EXCHANGE = 2
libc = ctypes.CDLL(None, use_errno=True)


def exchange(a: str, b: str) -> None:
    if libc.renameat2(AT_FDCWD, a.encode(), AT_FDCWD, b.encode(), RENAME_EXCHANGE) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err), b)


def worker(root: str, index: int, size: int, ready: threading.Barrier, clock: dict,
           counts: list) -> None:
    body = os.urandom(size)
    mine = os.path.join(root, f"t{index}")
    dirs = [os.path.join(mine, f"{d:02x}") for d in range(16)]
    for d in dirs:
        os.makedirs(d, exist_ok=True)
    keys = [os.path.join(dirs[k % 16], f"key{k}") for k in range(64)]
    for k in keys:  # every key exists, so each write is an overwrite (an exchange)
        with open(k, "wb") as f:
            f.write(body)
    spare = os.path.join(mine, "spare")
    with open(spare, "wb") as f:
        f.write(body)
    ready.wait()  # every thread set up; the clock starts
    stop = clock["stop"]
    done = 0
    while time.monotonic() < stop:
        key = keys[done % len(keys)]
        fd = os.open(spare, os.O_WRONLY)
        try:
            os.pwrite(fd, body, 0)
            os.fsync(fd)
        finally:
            os.close(fd)
        exchange(spare, key)
        dfd = os.open(os.path.dirname(key), os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
        done += 1
    counts[index] = done


def main() -> None:
    root, seconds, threads, size = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    os.makedirs(root, exist_ok=True)
    counts = [0] * threads
    clock = {}

    def start_clock() -> None:
        clock["start"] = time.monotonic()
        clock["stop"] = clock["start"] + seconds

    ready = threading.Barrier(threads, action=start_clock)
    pool = [threading.Thread(target=worker, args=(root, i, size, ready, clock, counts))
            for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    elapsed = time.monotonic() - clock["start"]
    print(json.dumps({"rate": sum(counts) / elapsed, "ops": sum(counts), "seconds": elapsed}))


if __name__ == "__main__":
    main()
