/*
 * execstorm: a bounded exec storm for the audit benchmark (issue 4, "Performance").
 *
 * Spawns PATH (default /bin/true) at a fixed rate, or flat out, for a fixed time and at most a fixed
 * number of times, and prints what it achieved. Each spawn is one execve(2), i.e. one event under
 * `-a always,exit -F arch=b64 -S execve`. posix_spawn (glibc: clone(CLONE_VM|CLONE_VFORK)) keeps the
 * generator's own cost low, so the audit path dominates.
 *
 *   execstorm -r RATE -d SECONDS [-n MAX] [-j OUTSTANDING] [-w] [PATH]
 *     -r  execs per second; 0 = flat out
 *     -d  duration in seconds (1..600): the storm stops then, whatever the count
 *     -n  at most this many execs (default RATE*SECONDS, or 10,000,000 flat out)
 *     -j  children alive at once (default 16): bounds the storm's own process count
 *     -w  wait for SIGUSR1 before starting: the process stays childless and single-threaded until
 *         then, so an orchestrator can set its audit container ID (ghak90 refuses a parent with children)
 *
 * Output (one line, stdout): execs=<n> failed=<n> seconds=<s> rate=<per second>
 * Exit status: 0, or 2 for bad arguments.
 *
 * Pacing: the i-th spawn is due at start + i/RATE (absolute CLOCK_MONOTONIC deadlines, so sleep
 * jitter does not accumulate); when behind, it spawns without sleeping until caught up.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void sleep_until(double t) {
    struct timespec ts;
    ts.tv_sec = (time_t)t;
    ts.tv_nsec = (long)((t - (double)ts.tv_sec) * 1e9);
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {
    }
}

static int reap(int block) {
    int n = 0, status;
    pid_t p;
    while ((p = waitpid(-1, &status, block && n == 0 ? 0 : WNOHANG)) > 0) {
        n++;
    }
    return n;
}

static void usage(const char *msg) {
    fprintf(stderr, "execstorm: %s\nusage: execstorm -r RATE -d SECONDS [-n MAX] [-j OUTSTANDING] [-w] [PATH]\n", msg);
    exit(2);
}

int main(int argc, char **argv) {
    double rate = -1, seconds = -1;
    long max = -1, outstanding_max = 16;
    int wait_start = 0, opt;
    while ((opt = getopt(argc, argv, "r:d:n:j:w")) != -1) {
        switch (opt) {
        case 'r': rate = atof(optarg); break;
        case 'd': seconds = atof(optarg); break;
        case 'n': max = atol(optarg); break;
        case 'j': outstanding_max = atol(optarg); break;
        case 'w': wait_start = 1; break;
        default: usage("unknown option");
        }
    }
    if (rate < 0 || rate > 1e6) usage("-r RATE must be 0 (flat out) .. 1000000");
    if (seconds < 1 || seconds > 600) usage("-d SECONDS must be 1..600 (the storm is always bounded in time)");
    if (outstanding_max < 1 || outstanding_max > 1024) usage("-j must be 1..1024");
    if (max < 0) max = rate > 0 ? (long)(rate * seconds + 0.5) : 10000000L;
    if (max > 100000000L) usage("-n MAX above 100,000,000");
    const char *path = optind < argc ? argv[optind] : "/bin/true";
    char *const child_argv[] = {(char *)path, NULL};

    if (wait_start) {
        sigset_t set;
        int sig;
        sigemptyset(&set);
        sigaddset(&set, SIGUSR1);
        sigprocmask(SIG_BLOCK, &set, NULL);
        printf("ready pid=%d\n", (int)getpid());
        fflush(stdout);
        if (sigwait(&set, &sig) != 0) {
            perror("sigwait");
            return 1;
        }
    }

    long execs = 0, failed = 0, alive = 0;
    double start = now_s(), end = start + seconds;
    double interval = rate > 0 ? 1.0 / rate : 0;
    while (execs < max) {
        double t = now_s();
        if (t >= end) break;
        if (rate > 0) {
            double due = start + execs * interval;
            if (due >= end) break;
            if (due > t) sleep_until(due);
        }
        if (alive >= outstanding_max) alive -= reap(1);
        pid_t pid;
        int rc = posix_spawn(&pid, path, NULL, NULL, child_argv, environ);
        if (rc == 0) {
            alive++;
        } else {
            failed++;
            if (failed > 1000 && 2 * failed > execs) {
                fprintf(stderr, "execstorm: posix_spawn %s: %s (giving up)\n", path, strerror(rc));
                break;
            }
        }
        execs++;
        if (alive > 0) alive -= reap(0);
    }
    double elapsed = now_s() - start;
    while (alive > 0) {
        int n = reap(1);
        if (n <= 0) break;
        alive -= n;
    }
    printf("execs=%ld failed=%ld seconds=%.3f rate=%.1f\n", execs - failed, failed, elapsed,
           (execs - failed) / (elapsed > 0 ? elapsed : 1));
    return 0;
}
