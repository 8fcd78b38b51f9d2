// The worker threads behind ck_parallel_for. Each worker has its own slot: the
// caller hands a loop to a worker by writing the loop's number into the slot's
// ticket, and the worker reports it finished by writing the same number into
// `done`. A worker spins on its ticket for CK_SPIN_NANOSECONDS after its last
// loop, then sleeps on a condition variable until the next ticket arrives.
// Spinning threads yield the core now and then, for machines with more
// threads than cores.
#include "CKThreadPool.h"
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define CK_PAUSE() _mm_pause()
#elif defined(__aarch64__)
#define CK_PAUSE() __asm__ __volatile__("yield")
#else
#define CK_PAUSE() ((void)0)
#endif

#define CK_MAX_WORKERS 255
#define CK_SPIN_NANOSECONDS 10000000ull

/// One worker's mailbox, on its own cache line.
typedef struct {
    _Alignas(64) atomic_uint_fast64_t ticket;
    atomic_uint_fast64_t done;
    int sleeping; // guarded by pool.lock
} worker_slot;

static worker_slot slots[CK_MAX_WORKERS];

static struct {
    pthread_mutex_t submit; // one loop at a time
    pthread_mutex_t lock;   // guards `sleeping` and the condition
    pthread_cond_t wake;
    int workers;            // started so far (under submit)
    uint64_t loops;         // loops handed out so far (under submit)
    // The current loop, written before its tickets are.
    ck_parallel_body body;
    void *context;
    ptrdiff_t count;
    atomic_ptrdiff_t next;
} pool = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER};

static _Thread_local int inside_loop;

static uint64_t now_nanoseconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

/// Takes indices of the current loop until none is left.
static void run_indices(void) {
    for (;;) {
        const ptrdiff_t i = atomic_fetch_add_explicit(&pool.next, 1, memory_order_relaxed);
        if (i >= pool.count) return;
        pool.body(pool.context, i);
    }
}

/// Waits until the slot's ticket differs from `last` and returns it.
static uint64_t wait_for_ticket(worker_slot *slot, uint64_t last) {
    uint64_t ticket;
    uint64_t start = 0;
    for (unsigned spins = 1;; spins++) {
        ticket = atomic_load_explicit(&slot->ticket, memory_order_acquire);
        if (ticket != last) return ticket;
        CK_PAUSE();
        if ((spins & 255) == 0) {
            // Lets another thread have the core when there are more threads than cores.
            sched_yield();
            const uint64_t t = now_nanoseconds();
            if (start == 0) start = t;
            else if (t - start > CK_SPIN_NANOSECONDS) break;
        }
    }
    pthread_mutex_lock(&pool.lock);
    slot->sleeping = 1;
    while ((ticket = atomic_load_explicit(&slot->ticket, memory_order_acquire)) == last)
        pthread_cond_wait(&pool.wake, &pool.lock);
    slot->sleeping = 0;
    pthread_mutex_unlock(&pool.lock);
    return ticket;
}

static void *worker_main(void *argument) {
    worker_slot *slot = argument;
    inside_loop = 1;
    // No loop has been handed to this slot before its worker starts (tickets
    // count from 1), but the first may arrive before the thread runs.
    uint64_t last = 0;
    for (;;) {
        last = wait_for_ticket(slot, last);
        run_indices();
        atomic_store_explicit(&slot->done, last, memory_order_release);
    }
    return NULL;
}

/// Starts workers until there are `wanted` (fewer if threads cannot be made).
static void start_workers(int wanted) {
    while (pool.workers < wanted) {
        pthread_t thread;
        pthread_attr_t attributes;
        pthread_attr_init(&attributes);
        pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
        const int failed = pthread_create(&thread, &attributes, worker_main, &slots[pool.workers]);
        pthread_attr_destroy(&attributes);
        if (failed) return;
        pool.workers++;
    }
}

void ck_parallel_for(ptrdiff_t count, int threads, ck_parallel_body body, void *context) {
    if (count <= 0) return;
    if (threads > count) threads = (int)count;
    if (threads <= 1 || inside_loop) {
        for (ptrdiff_t i = 0; i < count; i++) body(context, i);
        return;
    }
    pthread_mutex_lock(&pool.submit);
    start_workers(threads - 1 < CK_MAX_WORKERS ? threads - 1 : CK_MAX_WORKERS);
    const int helpers = threads - 1 < pool.workers ? threads - 1 : pool.workers;
    const uint64_t loop = ++pool.loops;
    pool.body = body;
    pool.context = context;
    pool.count = count;
    atomic_store_explicit(&pool.next, 0, memory_order_relaxed);
    for (int w = 0; w < helpers; w++) atomic_store_explicit(&slots[w].ticket, loop, memory_order_release);
    pthread_mutex_lock(&pool.lock);
    int asleep = 0;
    for (int w = 0; w < helpers; w++) asleep |= slots[w].sleeping;
    if (asleep) pthread_cond_broadcast(&pool.wake);
    pthread_mutex_unlock(&pool.lock);

    inside_loop = 1;
    run_indices();
    inside_loop = 0;
    for (int w = 0; w < helpers; w++) {
        for (unsigned spins = 1; atomic_load_explicit(&slots[w].done, memory_order_acquire) != loop; spins++) {
            CK_PAUSE();
            if ((spins & 255) == 0) sched_yield();
        }
    }
    pthread_mutex_unlock(&pool.submit);
}
