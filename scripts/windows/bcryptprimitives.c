/* A stand-in bcryptprimitives.dll for running cccd.exe under Wine 8 ONLY (scripts/windows-check).
 * Rust's std on Windows gets its randomness from ProcessPrng in bcryptprimitives.dll (Windows 10
 * and later have it); Wine 8 does not export it, so std aborts at the first HashMap. This forwards
 * to RtlGenRandom (advapi32's SystemFunction036), which Wine has. Never ship it: real Windows has
 * the genuine DLL. */
#include <windows.h>
BOOLEAN NTAPI SystemFunction036(PVOID buffer, ULONG length);
__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
  while (len > 0) {
    ULONG n = len > 0x40000000 ? 0x40000000 : (ULONG)len; /* RtlGenRandom takes a ULONG */
    if (!SystemFunction036(data, n)) return FALSE;
    data += n;
    len -= n;
  }
  return TRUE;
}
