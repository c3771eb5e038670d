// C11 threads on top of pthreads, linked only into the ThreadSanitizer builds of the tests that
// run librdkafka (tests/CMakeLists.txt). Debian's librdkafka uses glibc's C11 threads
// (thrd_create, mtx_lock, cnd_wait ...), which the sanitizer runtimes of GCC 12 and clang 14 do
// not intercept: its threads start without TSan's per-thread state and crash at their first
// malloc (librdkafka's own answer is its --disable-c11threads build option). Defined in the
// executable, these win over glibc's for librdkafka too, and TSan sees its threads and locks.
// glibc defines thrd_t as pthread_t and mtx_t/cnd_t as the same storage as the pthread types.
// Likewise pthread_mutex_clocklock (glibc 2.30), which libstdc++'s std::timed_mutex uses for
// steady_clock deadlines: TSan saw only the unlocks and reported "unlock of an unlocked mutex".
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <threads.h>
#include <time.h>

namespace {

struct Start {
  thrd_start_t fn;
  void* arg;
};

void* trampoline(void* p) {
  Start s = *static_cast<Start*>(p);
  delete static_cast<Start*>(p);
  return reinterpret_cast<void*>(static_cast<intptr_t>(s.fn(s.arg)));
}

pthread_mutex_t* pm(mtx_t* m) { return reinterpret_cast<pthread_mutex_t*>(m); }
pthread_cond_t* pc(cnd_t* c) { return reinterpret_cast<pthread_cond_t*>(c); }
int status(int rc) { return rc == 0 ? thrd_success : thrd_error; }

}  // namespace

extern "C" {

int thrd_create(thrd_t* thr, thrd_start_t fn, void* arg) {
  auto* s = new Start{fn, arg};
  const int rc = pthread_create(thr, nullptr, trampoline, s);
  if (rc != 0) delete s;
  return rc == 0 ? thrd_success : rc == EAGAIN ? thrd_nomem : thrd_error;
}

int thrd_join(thrd_t thr, int* res) {
  void* r = nullptr;
  if (pthread_join(thr, &r) != 0) return thrd_error;
  if (res != nullptr) *res = static_cast<int>(reinterpret_cast<intptr_t>(r));
  return thrd_success;
}

int thrd_detach(thrd_t thr) { return status(pthread_detach(thr)); }

int mtx_init(mtx_t* m, int type) {
  pthread_mutexattr_t a;
  pthread_mutexattr_init(&a);
  if (type & mtx_recursive) pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
  const int rc = pthread_mutex_init(pm(m), &a);
  pthread_mutexattr_destroy(&a);
  return status(rc);
}

int mtx_lock(mtx_t* m) { return status(pthread_mutex_lock(pm(m))); }

int mtx_trylock(mtx_t* m) {
  const int rc = pthread_mutex_trylock(pm(m));
  return rc == 0 ? thrd_success : rc == EBUSY ? thrd_busy : thrd_error;
}

int mtx_timedlock(mtx_t* __restrict m, const struct timespec* __restrict at) {
  const int rc = pthread_mutex_timedlock(pm(m), at);
  return rc == 0 ? thrd_success : rc == ETIMEDOUT ? thrd_timedout : thrd_error;
}

int mtx_unlock(mtx_t* m) { return status(pthread_mutex_unlock(pm(m))); }

void mtx_destroy(mtx_t* m) { pthread_mutex_destroy(pm(m)); }

int cnd_init(cnd_t* c) { return status(pthread_cond_init(pc(c), nullptr)); }

int cnd_signal(cnd_t* c) { return status(pthread_cond_signal(pc(c))); }

int cnd_broadcast(cnd_t* c) { return status(pthread_cond_broadcast(pc(c))); }

int cnd_wait(cnd_t* c, mtx_t* m) { return status(pthread_cond_wait(pc(c), pm(m))); }

int cnd_timedwait(cnd_t* __restrict c, mtx_t* __restrict m, const struct timespec* __restrict at) {
  const int rc = pthread_cond_timedwait(pc(c), pm(m), at);
  return rc == 0 ? thrd_success : rc == ETIMEDOUT ? thrd_timedout : thrd_error;
}

void cnd_destroy(cnd_t* c) { pthread_cond_destroy(pc(c)); }

// The same wait through pthread_mutex_timedlock, which TSan intercepts: the deadline moved to
// CLOCK_REALTIME (good enough for tests: a wall-clock step only lengthens or shortens the wait).
int pthread_mutex_clocklock(pthread_mutex_t* m, clockid_t clock, const struct timespec* at) {
  if (clock == CLOCK_REALTIME) return pthread_mutex_timedlock(m, at);
  timespec now_clock{}, now_real{};
  clock_gettime(clock, &now_clock);
  clock_gettime(CLOCK_REALTIME, &now_real);
  int64_t ns = (at->tv_sec - now_clock.tv_sec) * 1000000000LL + (at->tv_nsec - now_clock.tv_nsec);
  if (ns < 0) ns = 0;
  ns += now_real.tv_sec * 1000000000LL + now_real.tv_nsec;
  const timespec real_at{static_cast<time_t>(ns / 1000000000LL),
                         static_cast<long>(ns % 1000000000LL)};
  return pthread_mutex_timedlock(m, &real_at);
}

}  // extern "C"
