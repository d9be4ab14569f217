/*
 * Keeps the symbolizer addon loadable on glibc 2.28 (the oldest glibc VS Code runs on) although it
 * is built on Debian 12 (glibc 2.36). Linked into the addon only (binding.gyp, when built for the
 * VSIX): every function here is hidden, so it serves the addon's own references and those of the
 * static libdw, libelf and libstdc++ linked into it, and nothing outside.
 *
 * Each definition stands for a glibc symbol whose default version is newer than 2.28 and calls the
 * older version that every glibc since 2.2.5 exports (the same code, kept for binaries linked
 * against older glibcs). `scripts/portable.mjs check` fails the build when a newer version
 * reference appears that this file does not cover.
 */
#define _GNU_SOURCE
/* node-gyp compiles with _FILE_OFFSET_BITS=64, which renames stat to stat64: define both names here */
#undef _FILE_OFFSET_BITS
#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/random.h>
#include <sys/stat.h>

#define HIDDEN __attribute__((visibility("hidden")))
/* `old_NAME` is glibc's NAME at version V: the reference the linker records. */
#define OLD(name, version) __asm__(".symver old_" #name ", " #name "@" version)

/* stat family: functions since 2.33; before, inline wrappers around __xstat and friends (version 1). */
#define STAT_VER 1
int old___xstat64(int ver, const char *path, struct stat64 *buf);
int old___fxstat64(int ver, int fd, struct stat64 *buf);
int old___lxstat64(int ver, const char *path, struct stat64 *buf);
int old___fxstatat64(int ver, int dirfd, const char *path, struct stat64 *buf, int flags);
OLD(__xstat64, "GLIBC_2.2.5");
OLD(__fxstat64, "GLIBC_2.2.5");
OLD(__lxstat64, "GLIBC_2.2.5");
OLD(__fxstatat64, "GLIBC_2.4");

HIDDEN int stat64(const char *path, struct stat64 *buf) { return old___xstat64(STAT_VER, path, buf); }
HIDDEN int fstat64(int fd, struct stat64 *buf) { return old___fxstat64(STAT_VER, fd, buf); }
HIDDEN int lstat64(const char *path, struct stat64 *buf) { return old___lxstat64(STAT_VER, path, buf); }
HIDDEN int fstatat64(int dirfd, const char *path, struct stat64 *buf, int flags) { return old___fxstatat64(STAT_VER, dirfd, path, buf, flags); }
/* on x86-64 struct stat and struct stat64 are the same */
HIDDEN int stat(const char *path, struct stat *buf) { return old___xstat64(STAT_VER, path, (struct stat64 *)buf); }
HIDDEN int fstat(int fd, struct stat *buf) { return old___fxstat64(STAT_VER, fd, (struct stat64 *)buf); }
HIDDEN int lstat(const char *path, struct stat *buf) { return old___lxstat64(STAT_VER, path, (struct stat64 *)buf); }
HIDDEN int fstatat(int dirfd, const char *path, struct stat *buf, int flags) { return old___fxstatat64(STAT_VER, dirfd, path, (struct stat64 *)buf, flags); }

/* libpthread and libdl moved into libc in 2.34, with new versions; the old ones are the same functions. */
int old_pthread_once(pthread_once_t *once, void (*init)(void));
int old___pthread_key_create(pthread_key_t *key, void (*destructor)(void *));
int old_pthread_key_create(pthread_key_t *key, void (*destructor)(void *));
int old_pthread_rwlock_init(pthread_rwlock_t *lock, const pthread_rwlockattr_t *attr);
int old_pthread_rwlock_destroy(pthread_rwlock_t *lock);
int old_pthread_rwlock_rdlock(pthread_rwlock_t *lock);
int old_pthread_rwlock_tryrdlock(pthread_rwlock_t *lock);
int old_pthread_rwlock_wrlock(pthread_rwlock_t *lock);
int old_pthread_rwlock_unlock(pthread_rwlock_t *lock);
void *old_dlopen(const char *file, int mode);
void *old_dlsym(void *handle, const char *name);
int old_dlclose(void *handle);
char *old_dlerror(void);
OLD(pthread_once, "GLIBC_2.2.5");
OLD(__pthread_key_create, "GLIBC_2.2.5");
OLD(pthread_key_create, "GLIBC_2.2.5");
OLD(pthread_rwlock_init, "GLIBC_2.2.5");
OLD(pthread_rwlock_destroy, "GLIBC_2.2.5");
OLD(pthread_rwlock_rdlock, "GLIBC_2.2.5");
OLD(pthread_rwlock_tryrdlock, "GLIBC_2.2.5");
OLD(pthread_rwlock_wrlock, "GLIBC_2.2.5");
OLD(pthread_rwlock_unlock, "GLIBC_2.2.5");
OLD(dlopen, "GLIBC_2.2.5");
OLD(dlsym, "GLIBC_2.2.5");
OLD(dlclose, "GLIBC_2.2.5");
OLD(dlerror, "GLIBC_2.2.5");

HIDDEN int pthread_once(pthread_once_t *once, void (*init)(void)) { return old_pthread_once(once, init); }
HIDDEN int __pthread_key_create(pthread_key_t *key, void (*destructor)(void *)) { return old___pthread_key_create(key, destructor); }
HIDDEN int pthread_key_create(pthread_key_t *key, void (*destructor)(void *)) { return old_pthread_key_create(key, destructor); }
HIDDEN int pthread_rwlock_init(pthread_rwlock_t *lock, const pthread_rwlockattr_t *attr) { return old_pthread_rwlock_init(lock, attr); }
HIDDEN int pthread_rwlock_destroy(pthread_rwlock_t *lock) { return old_pthread_rwlock_destroy(lock); }
HIDDEN int pthread_rwlock_rdlock(pthread_rwlock_t *lock) { return old_pthread_rwlock_rdlock(lock); }
HIDDEN int pthread_rwlock_tryrdlock(pthread_rwlock_t *lock) { return old_pthread_rwlock_tryrdlock(lock); }
HIDDEN int pthread_rwlock_wrlock(pthread_rwlock_t *lock) { return old_pthread_rwlock_wrlock(lock); }
HIDDEN int pthread_rwlock_unlock(pthread_rwlock_t *lock) { return old_pthread_rwlock_unlock(lock); }
HIDDEN void *dlopen(const char *file, int mode) { return old_dlopen(file, mode); }
HIDDEN void *dlsym(void *handle, const char *name) { return old_dlsym(handle, name); }
HIDDEN int dlclose(void *handle) { return old_dlclose(handle); }
HIDDEN char *dlerror(void) { return old_dlerror(); }

/*
 * libstdc++ (2.32+): a shortcut that skips atomic operations while the process has one thread.
 * 0 means "maybe several threads": always the atomic path, correct on every glibc.
 */
HIDDEN char __libc_single_threaded = 0;

/* libstdc++'s std::random_device uses arc4random (2.36) when the build's glibc has it. */
HIDDEN uint32_t arc4random(void) {
  uint32_t v;
  while (getrandom(&v, sizeof v, 0) != (ssize_t)sizeof v) {
  }
  return v;
}
