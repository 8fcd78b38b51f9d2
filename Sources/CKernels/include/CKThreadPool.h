#ifndef CKTHREADPOOL_H
#define CKTHREADPOOL_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// One index of a parallel loop: `body(context, index)`.
typedef void (*ck_parallel_body)(void *context, ptrdiff_t index);

/// Runs `body(context, i)` for every `i` in `0 ..< count` on the calling thread
/// and `threads − 1` pooled worker threads, each taking the next index until
/// none is left, and returns when all have finished (the workers' writes are
/// then visible to the caller). Workers wait for the next loop spinning for a
/// few milliseconds before they sleep, so loops that follow each other
/// closely do not pay a thread wake-up each (tens of microseconds, more on a
/// virtual machine). Runs the loop inline when `threads` ≤ 1, when `count` ≤ 1,
/// or when called from inside another loop's body (no nesting). Loops from
/// different threads run one after another.
void ck_parallel_for(ptrdiff_t count, int threads, ck_parallel_body body, void *context);

#ifdef __cplusplus
}
#endif

#endif
