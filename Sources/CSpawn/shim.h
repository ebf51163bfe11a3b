// glibc functions goose's ChildProcess needs that Swift's Glibc module does not import, because glibc
// declares them only for _GNU_SOURCE (both in glibc >= 2.34; Debian 12 has 2.36).
#include <spawn.h>
#include <unistd.h>

/// Closes every descriptor >= from in the child (after the dup2 actions before it).
extern int posix_spawn_file_actions_addclosefrom_np(posix_spawn_file_actions_t *actions, int from);
/// pipe(2) with O_CLOEXEC set atomically, so no other child started meanwhile inherits either end.
extern int pipe2(int pipefd[2], int flags);
