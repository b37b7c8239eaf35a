# FerryInstall.cmake — installs the plugin SDK beside the headers the core
# installs: a pkg-config file (ferry-plugin.pc) and a CMake package
# (find_package(ferry) -> ferry::plugin and ferry_add_plugin()). Both find
# their prefix relative to where they are installed, so
# `cmake --install build --prefix /any/where` gives a working SDK.
include(CMakePackageConfigHelpers)

set(FERRY_PC_DIR ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
set(FERRY_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/ferry)

# Paths from each file's directory back to the prefix.
file(RELATIVE_PATH FERRY_PC_TO_PREFIX /root/${FERRY_PC_DIR} /root)
file(RELATIVE_PATH FERRY_CMAKE_TO_PREFIX /root/${FERRY_CMAKE_DIR} /root)
string(REGEX REPLACE "/$" "" FERRY_PC_TO_PREFIX "${FERRY_PC_TO_PREFIX}")
string(REGEX REPLACE "/$" "" FERRY_CMAKE_TO_PREFIX "${FERRY_CMAKE_TO_PREFIX}")

# The ABI version, read from the header (the one place it is written).
file(STRINGS ${PROJECT_SOURCE_DIR}/core/include/ferry/plugin.h _ferry_abi
     REGEX "^#define FERRY_ABI_M(AJOR|INOR) +[0-9]+")
string(REGEX REPLACE ".*FERRY_ABI_MAJOR +([0-9]+).*" "\\1" FERRY_ABI_MAJOR_FROM_HEADER "${_ferry_abi}")
string(REGEX REPLACE ".*FERRY_ABI_MINOR +([0-9]+).*" "\\1" FERRY_ABI_MINOR_FROM_HEADER "${_ferry_abi}")

configure_file(${CMAKE_CURRENT_LIST_DIR}/ferry-plugin.pc.in
               ${CMAKE_BINARY_DIR}/sdk/ferry-plugin.pc @ONLY)
configure_file(${CMAKE_CURRENT_LIST_DIR}/ferryConfig.cmake.in
               ${CMAKE_BINARY_DIR}/sdk/ferryConfig.cmake @ONLY)
write_basic_package_version_file(${CMAKE_BINARY_DIR}/sdk/ferryConfigVersion.cmake
                                 VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion
                                 ARCH_INDEPENDENT)

install(FILES ${CMAKE_BINARY_DIR}/sdk/ferry-plugin.pc DESTINATION ${FERRY_PC_DIR} COMPONENT dev)
install(FILES ${CMAKE_BINARY_DIR}/sdk/ferryConfig.cmake
              ${CMAKE_BINARY_DIR}/sdk/ferryConfigVersion.cmake
        DESTINATION ${FERRY_CMAKE_DIR} COMPONENT dev)
if(EXISTS ${PROJECT_SOURCE_DIR}/docs/plugin-guide.md)
  if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
    set(_guide_dir ${CMAKE_INSTALL_DATADIR}/doc/ferry-dev)
  else()
    set(_guide_dir ${CMAKE_INSTALL_DOCDIR})
  endif()
  install(FILES ${PROJECT_SOURCE_DIR}/docs/plugin-guide.md DESTINATION ${_guide_dir} COMPONENT dev)
endif()
