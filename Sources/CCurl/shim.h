#include <curl/curl.h>

/* curl_easy_setopt and curl_easy_getinfo are variadic: typed wrappers for Swift. */
static inline CURLcode goose_curl_setopt_long(CURL *handle, CURLoption option, long value) { return curl_easy_setopt(handle, option, value); }
static inline CURLcode goose_curl_setopt_offset(CURL *handle, CURLoption option, curl_off_t value) { return curl_easy_setopt(handle, option, value); }
static inline CURLcode goose_curl_setopt_string(CURL *handle, CURLoption option, const char *value) { return curl_easy_setopt(handle, option, value); }
static inline CURLcode goose_curl_setopt_pointer(CURL *handle, CURLoption option, void *value) { return curl_easy_setopt(handle, option, value); }
static inline CURLcode goose_curl_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) { return curl_easy_setopt(handle, option, value); }
static inline CURLcode goose_curl_setopt_mime(CURL *handle, CURLoption option, curl_mime *value) { return curl_easy_setopt(handle, option, value); }
static inline CURLcode goose_curl_setopt_write_callback(CURL *handle, size_t (*callback)(char *, size_t, size_t, void *)) { return curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, callback); }
static inline CURLcode goose_curl_setopt_read_callback(CURL *handle, size_t (*callback)(char *, size_t, size_t, void *)) { return curl_easy_setopt(handle, CURLOPT_READFUNCTION, callback); }
static inline CURLcode goose_curl_getinfo_long(CURL *handle, CURLINFO info, long *value) { return curl_easy_getinfo(handle, info, value); }
static inline CURLcode goose_curl_getinfo_offset(CURL *handle, CURLINFO info, curl_off_t *value) { return curl_easy_getinfo(handle, info, value); }

/* Macros that are casts or expressions Swift does not import. */
static inline CURLcode goose_curl_global_init(void) { return curl_global_init(CURL_GLOBAL_DEFAULT); }
static inline CURLcode goose_curl_mime_data_text(curl_mimepart *part, const char *text) { return curl_mime_data(part, text, CURL_ZERO_TERMINATED); }
static inline CURLcode goose_curl_setopt_error_buffer(CURL *handle, char *buffer) { return curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, buffer); }
static inline size_t goose_curl_error_size(void) { return CURL_ERROR_SIZE; }
