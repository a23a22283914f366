"""A scriptable orchestrator for the contid root tests.

It is a real process (a child of the test JVM) that forks children, writes and reads the control files
with plain os.open/os.write (so it sees write(2)'s errno exactly), and changes its own uid. One command
per stdin line, one reply line on stdout:

  pid                      -> "pid <own pid>"
  spawn <argv...>          -> "pid <child pid>"  (child's stdin is a pipe, see poke)
  spawnsh <shell command>  -> "pid <child pid>"  (sh -c with the rest of the line)
  poke <pid>               -> "ok"               (writes a newline to that child's stdin)
  write <path> <value>     -> "ok" | "errno <n>" (one open, one write, close)
  read <path>              -> "value <text>" | "errno <n>"
  readas <uid> <path>      -> like read, from a forked child running as <uid>
  setuid <uid>             -> "ok"               (setresuid: drops every capability)
  kill <pid>               -> "ok"               (SIGKILL and reap)
  quit
"""
import os
import signal
import subprocess
import sys

children = {}


def reply(text):
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def do_write(path, value):
    try:
        fd = os.open(path, os.O_WRONLY)
    except OSError as e:
        return "errno %d" % e.errno
    try:
        os.write(fd, value.encode())
        return "ok"
    except OSError as e:
        return "errno %d" % e.errno
    finally:
        os.close(fd)


def do_read(path):
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError as e:
        return "errno %d" % e.errno
    try:
        return "value " + os.read(fd, 100).decode()
    except OSError as e:
        return "errno %d" % e.errno
    finally:
        os.close(fd)


def read_as(uid, path):
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        os.setresgid(uid, uid, uid)
        os.setgroups([])
        os.setresuid(uid, uid, uid)
        os.write(w, do_read(path).encode())
        os._exit(0)
    os.close(w)
    out = os.read(r, 200).decode()
    os.close(r)
    os.waitpid(pid, 0)
    return out


for line in sys.stdin:
    words = line.split()
    if not words:
        continue
    cmd = words[0]
    if cmd == "pid":
        reply("pid %d" % os.getpid())
    elif cmd == "spawn":
        p = subprocess.Popen(words[1:], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, close_fds=True)
        children[p.pid] = p
        reply("pid %d" % p.pid)
    elif cmd == "spawnsh":
        p = subprocess.Popen(["sh", "-c", line.strip()[len("spawnsh "):]], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, close_fds=True)
        children[p.pid] = p
        reply("pid %d" % p.pid)
    elif cmd == "poke":
        p = children[int(words[1])]
        p.stdin.write(b"\n")
        p.stdin.flush()
        reply("ok")
    elif cmd == "write":
        reply(do_write(words[1], words[2]))
    elif cmd == "read":
        reply(do_read(words[1]))
    elif cmd == "readas":
        reply(read_as(int(words[1]), words[2]))
    elif cmd == "setuid":
        uid = int(words[1])
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
        reply("ok")
    elif cmd == "kill":
        pid = int(words[1])
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        p = children.pop(pid, None)
        if p is not None:
            p.wait()
        reply("ok")
    elif cmd == "quit":
        break
    else:
        reply("error unknown command " + cmd)

for p in children.values():
    try:
        p.kill()
        p.wait()
    except Exception:
        pass
