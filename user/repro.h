// Shared by the reproducers of docs/history.md. Each prints exactly one
// verdict line, "BUG: ..." if the bug happened, "OK: ..." if not, and exits
// 0; a setup failure prints "ERROR: ..." and exits 1 (CHECK, testlib.h).
#include "user/testlib.h"

#define BUG(...) do { printf("BUG: " __VA_ARGS__); printf("\n"); exit(0); } while(0)
#define VERDICT_OK(...) do { printf("OK: " __VA_ARGS__); printf("\n"); exit(0); } while(0)
#define SETUP(name) (testname = "ERROR")
