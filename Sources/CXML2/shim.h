/* libxml2's reader. Debian's libxml2 is built with ICU, so its encoding.h would include the system's ICU headers,
 * whose types clash with the copy Foundation carries (_FoundationICU) in any Swift file that imports both. Only
 * xmlCharEncodingHandler's converter fields depend on it, and goose never touches that structure. */
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED
#include <libxml/xmlreader.h>
