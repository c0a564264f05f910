#include "multicall.c"
