/*
 * goose-signature-relay: what librpm's rpmPkgSign runs instead of gpg when goose signs packages.
 *
 * rpmPkgSign executes %__gpg_sign_cmd with the bytes to sign on a pipe (%{__plaintext_filename}) and
 * expects an OpenPGP signature packet in %{__signature_filename}. A gpg process per package costs far
 * more than the signature itself, so goose points the macro here instead: this program reads the bytes,
 * hands them over a unix socket to the goose process that called rpmPkgSign (which has gpg-agent make the
 * signature, the key never leaving the agent), and writes the packet it gets back.
 *
 * It starts once per signed package, so it does without the C library: the linker enters at
 * goose_relay_start (not glibc's _start), and the program talks to the kernel through the few system calls
 * below. A static glibc program spends ~0.5 ms of CPU starting (CPU feature probing with cpuid, which traps
 * to the hypervisor in a VM, tunables, ifunc relocations), several times what this program does. Nothing
 * here may call into the C library: its functions are not initialised (and memcpy and friends are ifuncs
 * that were never resolved), hence -ffreestanding and the byte loops.
 *
 * Usage: goose-signature-relay SOCKET SIGNATURE-FILE PLAINTEXT-FILE
 * Wire format: request = 8-byte little-endian length + bytes; answer = 1 status byte (0 = signature,
 * 1 = error message) + 8-byte little-endian length + bytes.
 */
#include <stddef.h>
#include <stdint.h>

/* Linux's numbers and flags (the same on every architecture below unless noted). */
#define RELAY_O_RDONLY 0
#define RELAY_O_WRONLY 1
#define RELAY_O_CREAT 0100
#define RELAY_O_TRUNC 01000
#define RELAY_O_CLOEXEC 02000000
#define RELAY_AT_FDCWD (-100)
#define RELAY_AF_UNIX 1
#define RELAY_SOCK_STREAM 1
#define RELAY_SOCK_CLOEXEC 02000000
#define RELAY_PROT_READ 1
#define RELAY_PROT_WRITE 2
#define RELAY_MAP_PRIVATE 2
#define RELAY_MAP_ANONYMOUS 0x20
#define RELAY_MREMAP_MAYMOVE 1
#define RELAY_EINTR 4
#define RELAY_ENOENT 2

#if defined(__x86_64__)
enum { SYS_READ = 0, SYS_WRITE = 1, SYS_CLOSE = 3, SYS_MMAP = 9, SYS_MREMAP = 25, SYS_SOCKET = 41,
       SYS_CONNECT = 42, SYS_EXIT_GROUP = 231, SYS_OPENAT = 257, SYS_LINKAT = 265 };

static long relay_syscall(long number, long a, long b, long c, long d, long e, long f)
{
    register long r10 __asm__("r10") = d;
    register long r8 __asm__("r8") = e;
    register long r9 __asm__("r9") = f;
    long result;
    __asm__ volatile("syscall"
                     : "=a"(result)
                     : "a"(number), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory");
    return result;
}

/* The kernel starts the program with argc at the stack pointer, argv after it. */
__asm__(".text\n"
        ".global goose_relay_start\n"
        ".type goose_relay_start, @function\n"
        "goose_relay_start:\n"
        "    xor %rbp, %rbp\n"
        "    mov %rsp, %rdi\n"
        "    and $-16, %rsp\n"
        "    call relay_entry\n"
        "    hlt\n");
#elif defined(__aarch64__)
enum { SYS_READ = 63, SYS_WRITE = 64, SYS_CLOSE = 57, SYS_MMAP = 222, SYS_MREMAP = 216, SYS_SOCKET = 198,
       SYS_CONNECT = 203, SYS_EXIT_GROUP = 94, SYS_OPENAT = 56, SYS_LINKAT = 37 };

static long relay_syscall(long number, long a, long b, long c, long d, long e, long f)
{
    register long x8 __asm__("x8") = number;
    register long x0 __asm__("x0") = a;
    register long x1 __asm__("x1") = b;
    register long x2 __asm__("x2") = c;
    register long x3 __asm__("x3") = d;
    register long x4 __asm__("x4") = e;
    register long x5 __asm__("x5") = f;
    __asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5) : "memory");
    return x0;
}

__asm__(".text\n"
        ".global goose_relay_start\n"
        ".type goose_relay_start, %function\n"
        "goose_relay_start:\n"
        "    mov x29, #0\n"
        "    mov x30, #0\n"
        "    mov x0, sp\n"
        "    bl relay_entry\n"
        "    brk #0\n");
#else
#error "goose-signature-relay: add this architecture's system call numbers and entry point"
#endif

static long sys_read(int fd, void *buffer, size_t count) { return relay_syscall(SYS_READ, fd, (long)buffer, (long)count, 0, 0, 0); }
static long sys_write(int fd, const void *buffer, size_t count) { return relay_syscall(SYS_WRITE, fd, (long)buffer, (long)count, 0, 0, 0); }
static long sys_open(const char *path, int flags, int mode) { return relay_syscall(SYS_OPENAT, RELAY_AT_FDCWD, (long)path, flags, mode, 0, 0); }
static long sys_close(int fd) { return relay_syscall(SYS_CLOSE, fd, 0, 0, 0, 0, 0); }
static long sys_link(const char *existing, const char *name)
{
    return relay_syscall(SYS_LINKAT, RELAY_AT_FDCWD, (long)existing, RELAY_AT_FDCWD, (long)name, 0, 0);
}

static size_t length_of(const char *text)
{
    size_t length = 0;
    while (text[length] != 0)
        length++;
    return length;
}

static int same_text(const char *a, const char *b)
{
    while (*a != 0 && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
}

/* One line on stderr: "goose-signature-relay: WHAT[: DETAIL]". */
static int fail(const char *what, const char *detail)
{
    sys_write(2, "goose-signature-relay: ", 23);
    sys_write(2, what, length_of(what));
    if (detail) {
        sys_write(2, ": ", 2);
        sys_write(2, detail, length_of(detail));
    }
    sys_write(2, "\n", 1);
    return 1;
}

/* The errno values this program can meet, named; the rest by number would need formatting, so generically. */
static const char *describe(long error)
{
    switch (-error) {
    case 2: return "No such file or directory";
    case 13: return "Permission denied";
    case 32: return "Broken pipe";
    case 104: return "Connection reset by peer";
    case 111: return "Connection refused";
    case 12: return "Cannot allocate memory";
    case 28: return "No space left on device";
    case 30: return "Read-only file system";
    default: return "system call failed";
    }
}

static long write_all(int fd, const unsigned char *bytes, size_t count)
{
    while (count > 0) {
        long written = sys_write(fd, bytes, count);
        if (written == -RELAY_EINTR)
            continue;
        if (written < 0)
            return written;
        bytes += written;
        count -= (size_t)written;
    }
    return 0;
}

static long read_exactly(int fd, unsigned char *bytes, size_t count)
{
    while (count > 0) {
        long got = sys_read(fd, bytes, count);
        if (got == -RELAY_EINTR)
            continue;
        if (got <= 0)
            return got < 0 ? got : -1;
        bytes += got;
        count -= (size_t)got;
    }
    return 0;
}

static void encode_length(unsigned char out[8], uint64_t length)
{
    for (int i = 0; i < 8; i++)
        out[i] = (unsigned char)(length >> (8 * i));
}

static uint64_t decode_length(const unsigned char in[8])
{
    uint64_t length = 0;
    for (int i = 7; i >= 0; i--)
        length = (length << 8) | in[i];
    return length;
}

/* Anonymous memory the kernel zeroes; grows by mremap. A header to sign is at most a few megabytes. */
static unsigned char *map_memory(size_t size)
{
    long address = relay_syscall(SYS_MMAP, 0, (long)size, RELAY_PROT_READ | RELAY_PROT_WRITE,
                                 RELAY_MAP_PRIVATE | RELAY_MAP_ANONYMOUS, -1, 0);
    return address < 0 && address > -4096 ? NULL : (unsigned char *)address;
}

static unsigned char *grow_memory(unsigned char *old, size_t oldSize, size_t newSize)
{
    long address = relay_syscall(SYS_MREMAP, (long)old, (long)oldSize, (long)newSize, RELAY_MREMAP_MAYMOVE, 0, 0);
    return address < 0 && address > -4096 ? NULL : (unsigned char *)address;
}

/* The prefix of goose's scratch directories beside the packages it signs (SigningStaging in GooseKit). */
static const char staging_prefix[] = ".goose-sign.";
static const char buffer_name[] = "/.signature-buffer";

/* Opens the signature file for writing. rpm reads it once we exit and unlinks it. On ext4 without a journal,
 * every inode deleted makes the next half minute's inode allocations in its block group skip it, so a file
 * created and deleted per signature makes each later creation slower (about a millisecond each deep into a
 * run of 500 packages, for goose's copies as for these files). In goose's scratch directories the signature
 * file is therefore a new name for one buffer inode kept there, written over each time: rpm's unlink removes
 * the name, not the inode, and goose removes the directory with the buffer in it. Elsewhere, or when the link
 * cannot be made, the file is created as gpg would. */
static long open_signature_file(const char *signature)
{
    size_t length = length_of(signature), slash = length;
    while (slash > 0 && signature[slash - 1] != '/')
        slash--;
    size_t directory = slash > 0 ? slash - 1 : 0, start = directory;
    while (start > 0 && signature[start - 1] != '/')
        start--;
    int in_staging = slash > 0 && directory - start > sizeof staging_prefix - 1;
    for (size_t i = 0; in_staging && i < sizeof staging_prefix - 1; i++)
        in_staging = signature[start + i] == staging_prefix[i];
    char buffer[4096];
    volatile char *path = buffer;
    if (in_staging && directory + sizeof buffer_name <= sizeof buffer) {
        for (size_t i = 0; i < directory; i++)
            path[i] = signature[i];
        for (size_t i = 0; i < sizeof buffer_name; i++)
            path[directory + i] = buffer_name[i];
        long linked = sys_link(buffer, signature);
        if (linked == -RELAY_ENOENT) {
            /* The directory's first signature: make the buffer. */
            long made = sys_open(buffer, RELAY_O_WRONLY | RELAY_O_CREAT | RELAY_O_CLOEXEC, 0600);
            if (made >= 0) {
                sys_close((int)made);
                linked = sys_link(buffer, signature);
            }
        }
        if (linked == 0)
            return sys_open(signature, RELAY_O_WRONLY | RELAY_O_TRUNC | RELAY_O_CLOEXEC, 0);
    }
    return sys_open(signature, RELAY_O_WRONLY | RELAY_O_CREAT | RELAY_O_TRUNC | RELAY_O_CLOEXEC, 0600);
}

struct unix_address {
    uint16_t family;
    char path[108];
};

static int relay(int argc, char **argv)
{
    if (argc != 4)
        return fail("usage: goose-signature-relay SOCKET SIGNATURE-FILE PLAINTEXT-FILE", NULL);

    /* The plaintext comes on a pipe: standard input ("-", rpm 4.18) or a fifo (later rpm); read it to the end
     * (rpm finishes writing before it waits for us). */
    long input = same_text(argv[3], "-") ? 0 : sys_open(argv[3], RELAY_O_RDONLY | RELAY_O_CLOEXEC, 0);
    if (input < 0)
        return fail(argv[3], describe(input));
    size_t capacity = 1 << 16, size = 0;
    unsigned char *plaintext = map_memory(capacity);
    if (plaintext == NULL)
        return fail("out of memory", NULL);
    for (;;) {
        if (size == capacity) {
            if (capacity >= ((size_t)1 << 30))
                return fail(argv[3], "more than 1 GiB to sign");
            plaintext = grow_memory(plaintext, capacity, capacity * 2);
            if (plaintext == NULL)
                return fail("out of memory", NULL);
            capacity *= 2;
        }
        long got = sys_read((int)input, plaintext + size, capacity - size);
        if (got == -RELAY_EINTR)
            continue;
        if (got < 0)
            return fail(argv[3], describe(got));
        if (got == 0)
            break;
        size += (size_t)got;
    }
    if (input != 0)
        sys_close((int)input);

    /* Filled byte by byte: an initialiser would become a call to memset. */
    struct unix_address address;
    volatile char *path = address.path;
    size_t pathLength = length_of(argv[1]);
    if (pathLength >= sizeof address.path)
        return fail(argv[1], "socket path too long");
    address.family = RELAY_AF_UNIX;
    for (size_t i = 0; i < sizeof address.path; i++)
        path[i] = i < pathLength ? argv[1][i] : 0;
    long connection = relay_syscall(SYS_SOCKET, RELAY_AF_UNIX, RELAY_SOCK_STREAM | RELAY_SOCK_CLOEXEC, 0, 0, 0, 0);
    if (connection < 0)
        return fail(argv[1], describe(connection));
    long connected = relay_syscall(SYS_CONNECT, connection, (long)&address, (long)sizeof address, 0, 0, 0);
    if (connected < 0)
        return fail(argv[1], describe(connected));

    unsigned char header[9];
    encode_length(header, size);
    long sent = write_all((int)connection, header, 8);
    if (sent == 0)
        sent = write_all((int)connection, plaintext, size);
    if (sent < 0)
        return fail(argv[1], describe(sent));

    if (read_exactly((int)connection, header, 9) < 0)
        return fail(argv[1], "no answer from goose");
    uint64_t length = decode_length(header + 1);
    /* The answer goes into the plaintext's memory, no longer needed (at least 64 KiB). */
    if (length > (1u << 20) || length + 1 > capacity)
        return fail(argv[1], "answer too long");
    unsigned char *answer = plaintext;
    if (read_exactly((int)connection, answer, length) < 0)
        return fail(argv[1], "truncated answer from goose");
    sys_close((int)connection);
    answer[length] = 0;
    if (header[0] != 0)
        return fail("signing failed", (const char *)answer);

    long output = open_signature_file(argv[2]);
    if (output < 0)
        return fail(argv[2], describe(output));
    long written = write_all((int)output, answer, length);
    if (written == 0)
        written = sys_close((int)output);
    if (written < 0)
        return fail(argv[2], describe(written));
    return 0;
}

/* Called by goose_relay_start with the initial stack pointer. */
__attribute__((used, noreturn)) void relay_entry(long *stack)
{
    int argc = (int)stack[0];
    char **argv = (char **)(stack + 1);
    int status = relay(argc, argv);
    for (;;)
        relay_syscall(SYS_EXIT_GROUP, status, 0, 0, 0, 0, 0);
}

/* Not the entry point (the linker is told goose_relay_start); here because glibc's crt1.o, which the
 * toolchain links anyway, refers to it. It would work too: relay() needs nothing initialised. */
int main(int argc, char **argv)
{
    return relay(argc, argv);
}
