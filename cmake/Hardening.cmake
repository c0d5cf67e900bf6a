# Hardened build flags applied to every target (DEVELOPERS.md, issue 2):
# PIE, full RELRO + BIND_NOW, FORTIFY_SOURCE=2, strong stack protector,
# stack-clash protection, and warnings as errors.
add_compile_options(
  -Wall -Wextra -Werror
  -fstack-protector-strong
  -fstack-clash-protection
  -fno-strict-aliasing)
add_link_options(-pie -Wl,-z,relro,-z,now -Wl,-z,noexecstack)

if(HARDGOFER_SANITIZE STREQUAL "address")
  # FORTIFY's checked wrappers and ASan's interceptors overlap; ASan wins.
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=undefined
                      -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
elseif(HARDGOFER_SANITIZE STREQUAL "thread")
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_link_options(-fsanitize=thread)
elseif(HARDGOFER_SANITIZE STREQUAL "")
  # _FORTIFY_SOURCE needs optimisation; every build type we use optimises
  # except Debug, where the define would only produce a warning.
  if(NOT CMAKE_BUILD_TYPE STREQUAL "Debug")
    add_compile_options(-U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=2)
  endif()
else()
  message(FATAL_ERROR "HARDGOFER_SANITIZE must be '', 'address' or 'thread', not '${HARDGOFER_SANITIZE}'")
endif()

if(HARDGOFER_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "HARDGOFER_FUZZ needs clang (CC=clang CXX=clang++)")
  endif()
  # Instrument every library for coverage; fuzz/ links the libFuzzer driver.
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
