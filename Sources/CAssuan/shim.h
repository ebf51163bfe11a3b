#include <assuan.h>
