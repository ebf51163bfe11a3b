/*
 * goose-signature-relay: what librpm's rpmPkgSign runs instead of gpg when goose signs packages.
 *
 * rpmPkgSign executes %__gpg_sign_cmd with the bytes to sign on a pipe (%{__plaintext_filename}) and
 * expects an OpenPGP signature packet in %{__signature_filename}. A gpg process per package costs far
 * more than the signature itself, so goose points the macro here instead: this program reads the bytes,
 * hands them over a unix socket to the goose process that called rpmPkgSign (which has gpg-agent make the
 * signature, the key never leaving the agent), and writes the packet it gets back.
 *
 * Usage: goose-signature-relay SOCKET SIGNATURE-FILE PLAINTEXT-FILE
 * Wire format: request = 8-byte little-endian length + bytes; answer = 1 status byte (0 = signature,
 * 1 = error message) + 8-byte little-endian length + bytes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int fail(const char *what, const char *detail)
{
    fprintf(stderr, "goose-signature-relay: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    return 1;
}

static int write_all(int fd, const void *buffer, size_t count)
{
    const unsigned char *bytes = buffer;
    while (count > 0) {
        ssize_t written = write(fd, bytes, count);
        if (written < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        bytes += written;
        count -= (size_t)written;
    }
    return 0;
}

static int read_exactly(int fd, void *buffer, size_t count)
{
    unsigned char *bytes = buffer;
    while (count > 0) {
        ssize_t got = read(fd, bytes, count);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (got == 0)
            return -1;
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

int main(int argc, char **argv)
{
    if (argc != 4)
        return fail("usage: goose-signature-relay SOCKET SIGNATURE-FILE PLAINTEXT-FILE", NULL);

    /* The plaintext comes on a pipe: standard input ("-", rpm 4.18) or a fifo (later rpm); read it to the end
     * (rpm finishes writing before it waits for us). */
    int input = strcmp(argv[3], "-") == 0 ? dup(STDIN_FILENO) : open(argv[3], O_RDONLY | O_CLOEXEC);
    if (input < 0)
        return fail(argv[3], strerror(errno));
    size_t capacity = 1 << 16, size = 0;
    unsigned char *plaintext = malloc(capacity);
    if (plaintext == NULL)
        return fail("out of memory", NULL);
    for (;;) {
        if (size == capacity) {
            capacity *= 2;
            unsigned char *grown = realloc(plaintext, capacity);
            if (grown == NULL)
                return fail("out of memory", NULL);
            plaintext = grown;
        }
        ssize_t got = read(input, plaintext + size, capacity - size);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            return fail(argv[3], strerror(errno));
        }
        if (got == 0)
            break;
        size += (size_t)got;
    }
    close(input);

    struct sockaddr_un address;
    memset(&address, 0, sizeof address);
    address.sun_family = AF_UNIX;
    if (strlen(argv[1]) >= sizeof address.sun_path)
        return fail(argv[1], "socket path too long");
    strcpy(address.sun_path, argv[1]);
    int connection = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (connection < 0 || connect(connection, (struct sockaddr *)&address, sizeof address) < 0)
        return fail(argv[1], strerror(errno));

    unsigned char header[9];
    encode_length(header, size);
    if (write_all(connection, header, 8) < 0 || write_all(connection, plaintext, size) < 0)
        return fail(argv[1], strerror(errno));
    free(plaintext);

    if (read_exactly(connection, header, 9) < 0)
        return fail(argv[1], "no answer from goose");
    uint64_t length = decode_length(header + 1);
    if (length > (1u << 20))
        return fail(argv[1], "answer too long");
    unsigned char *answer = malloc(length + 1);
    if (answer == NULL || read_exactly(connection, answer, length) < 0)
        return fail(argv[1], "truncated answer from goose");
    close(connection);
    answer[length] = 0;
    if (header[0] != 0)
        return fail("signing failed", (const char *)answer);

    int output = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (output < 0)
        return fail(argv[2], strerror(errno));
    if (write_all(output, answer, length) < 0 || close(output) < 0)
        return fail(argv[2], strerror(errno));
    return 0;
}
