# FerryPackage.cmake — what an installed ferry carries beyond the binary and
# plugins: the manual pages (docs/man, gzipped), the systemd units, and the
# Debian packages `cpack -G DEB` builds from the install (component
# `ferry`: binary, plugins, migrations, site config, units, docs, man pages;
# component `dev`: SDK headers, ferry-plugin.pc, the CMake package, plugin
# guide, example plugins). scripts/package.sh configures a /usr build and
# runs cpack; tests/package/deb.sh checks the result.

# A /usr install is the system's: config in /etc, units in /lib/systemd.
if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  set(FERRY_UNIT_DIR /lib/systemd/system)
  set(FERRY_DEV_DOCDIR ${CMAKE_INSTALL_DATADIR}/doc/ferry-dev)
else()
  set(FERRY_UNIT_DIR ${CMAKE_INSTALL_LIBDIR}/systemd/system)
  set(FERRY_DEV_DOCDIR ${CMAKE_INSTALL_DOCDIR})
endif()

# Manual pages, compressed as Debian policy wants (man reads them either way).
set(_ferry_man_gz)
foreach(page ferry.1 ferry.conf.5 ferry-pipeline.5 ferry-plugins.7)
  string(REGEX REPLACE ".*\\.([0-9])$" "\\1" _sec ${page})
  set(_gz ${CMAKE_BINARY_DIR}/man/${page}.gz)
  add_custom_command(OUTPUT ${_gz}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/man
    COMMAND sh -c "gzip -9n -c '${PROJECT_SOURCE_DIR}/docs/man/${page}' > '${_gz}'"
    DEPENDS ${PROJECT_SOURCE_DIR}/docs/man/${page} VERBATIM)
  list(APPEND _ferry_man_gz ${_gz})
  install(FILES ${_gz} DESTINATION ${CMAKE_INSTALL_MANDIR}/man${_sec} COMPONENT ferry)
endforeach()

# The Debian changelogs each package's doc directory must carry.
foreach(pkg ferry ferry-dev)
  set(_cl ${CMAKE_BINARY_DIR}/deb/${pkg}/changelog.Debian)
  file(READ ${PROJECT_SOURCE_DIR}/conf/debian/changelog _text)
  string(REPLACE "@PKG@" ${pkg} _text "${_text}")
  string(REPLACE "@VERSION@" ${PROJECT_VERSION} _text "${_text}")
  file(WRITE ${_cl} "${_text}")
  add_custom_command(OUTPUT ${_cl}.gz COMMAND sh -c "gzip -9n -c '${_cl}' > '${_cl}.gz'"
                     DEPENDS ${PROJECT_SOURCE_DIR}/conf/debian/changelog VERBATIM)
  list(APPEND _ferry_man_gz ${_cl}.gz)
endforeach()
add_custom_target(ferry_man ALL DEPENDS ${_ferry_man_gz})

file(GLOB _units ${PROJECT_SOURCE_DIR}/conf/systemd/*.service ${PROJECT_SOURCE_DIR}/conf/systemd/*.timer)
install(FILES ${_units} DESTINATION ${FERRY_UNIT_DIR} COMPONENT ferry)
if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  # A native package's changelog is changelog.gz.
  install(FILES ${PROJECT_SOURCE_DIR}/conf/debian/copyright DESTINATION ${CMAKE_INSTALL_DOCDIR}
          COMPONENT ferry)
  install(FILES ${CMAKE_BINARY_DIR}/deb/ferry/changelog.Debian.gz DESTINATION
          ${CMAKE_INSTALL_DOCDIR} RENAME changelog.gz COMPONENT ferry)
  install(FILES ${PROJECT_SOURCE_DIR}/conf/debian/copyright DESTINATION ${FERRY_DEV_DOCDIR}
          COMPONENT dev)
  install(FILES ${CMAKE_BINARY_DIR}/deb/ferry-dev/changelog.Debian.gz DESTINATION
          ${FERRY_DEV_DOCDIR} RENAME changelog.gz COMPONENT dev)
endif()
install(DIRECTORY ${PROJECT_SOURCE_DIR}/examples/ DESTINATION ${FERRY_DEV_DOCDIR}/examples
        COMPONENT dev)

# ---- cpack -G DEB ----------------------------------------------------------
set(CPACK_PACKAGE_NAME ferry)
set(CPACK_PACKAGE_VENDOR "ferry")
set(CPACK_PACKAGE_CONTACT "ferry maintainers <ferry@ferry.example>")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_STRIP_FILES ON)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL ferry dev)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://ferry.example/")
set(CPACK_DEBIAN_FERRY_PACKAGE_NAME ferry)
set(CPACK_DEBIAN_FERRY_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_FERRY_PACKAGE_DEPENDS "adduser")
# format-pdf's default fonts (its font and fallback_fonts; tests/package/deb.sh
# checks that each one's package is here): without them, the scripts they
# draw come out as U+FFFD.
string(CONCAT CPACK_DEBIAN_FERRY_PACKAGE_RECOMMENDS
    "fonts-dejavu-core, fonts-droid-fallback, fonts-nanum, fonts-symbola, fonts-lohit-deva, "
    "fonts-tlwg-loma-ttf, mariadb-client")
# Each description's first line is its synopsis (no global summary to prepend).
string(CONCAT CPACK_DEBIAN_FERRY_DESCRIPTION
    "plugin-based batch export pipelines\n"
    "ferry runs export pipelines (source, filters, format, encoders, sinks) from\n"
    "config files and serves export requests from MySQL/MariaDB: a worker, a\n"
    "scheduler, a signed-URL download server and expiry, under systemd.")
set(CPACK_DEBIAN_DEV_PACKAGE_NAME ferry-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS "ferry (= ${PROJECT_VERSION})")
string(CONCAT CPACK_DEBIAN_DEV_DESCRIPTION
    "SDK for ferry plugins\n"
    "Headers, the pkg-config file (ferry-plugin) and the CMake package\n"
    "(find_package(ferry)) to build ferry plugins out of tree, with the\n"
    "plugin guide and example plugins.")
set(_conffiles ${CMAKE_BINARY_DIR}/deb/conffiles)
file(GLOB _pipelines RELATIVE ${PROJECT_SOURCE_DIR}/conf ${PROJECT_SOURCE_DIR}/conf/pipelines/*.cfg)
list(TRANSFORM _pipelines PREPEND "/etc/ferry/")
string(REPLACE ";" "\n" _pipelines "${_pipelines}")
file(WRITE ${_conffiles} "/etc/ferry/ferry.conf\n${_pipelines}\n")
set(CPACK_DEBIAN_FERRY_PACKAGE_CONTROL_EXTRA
    ${_conffiles} ${PROJECT_SOURCE_DIR}/conf/debian/postinst
    ${PROJECT_SOURCE_DIR}/conf/debian/prerm ${PROJECT_SOURCE_DIR}/conf/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
