# packaging.cmake — install rules and the Debian packages (cpack -G DEB, one per component):
#   sams-hub             (component runtime) the programs, units, data, docs, man pages
#   libsams-publish-dev  (component dev) the district library: header, archive, pkg-config file
#
# Included at the end of the top-level CMakeLists.txt, when every target exists. Programs that are
# not written yet (hub-notifier, hub-stats, hub-open) are installed, with their units, as soon as
# their targets appear. deploy/package-check.sh builds the package, extracts it into a scratch root
# and checks the file list and the installed programs (CI runs it).
#
# Paths (the package installs under /usr; a plain `cmake --install` under CMAKE_INSTALL_PREFIX):
#   bin/                                hubctl, hub-publish, hub-relay, hub-readmodel, hub-notifier, hub-stats, hub-open
#   share/sams-hub/migrations/          NNN_name.sql         (hub.migrations_dir)
#   share/sams-hub/outbox/              NNN_name.sql of a district's outbox (hub.relay.migrations_dir)
#   share/sams-hub/reference/           districts.csv, ...   (hub.reference_dir)
#   share/sams-hub/schemas/             <record>/vN.avsc (reference copy; the codec has them built in)
#   share/sams-hub/kafka/               topics + ACLs: cluster.table, apply.sh, strimzi/*.yaml
#   include/sams_publish.h, lib/<multiarch>/libsams_publish.a, lib/<multiarch>/pkgconfig/sams_publish.pc
#                                       (libsams-publish-dev, with share/doc/libsams-publish-dev/)
#   share/doc/sams-hub/                 README.md, deploy-README.md, INPUT.md, OUTBOX.md, NOTIFIER.md,
#                                       STATISTICS.md, SCHEMAS.md, examples/, changelog.Debian.gz
#   share/man/man1/                     <program>.1.gz, made from each program's --help
#   /lib/systemd/system/                hub-*.service
#   /etc/sams-hub/                      *.conf.example (conffiles)
#
# libsams_publish.a for districts is one self-contained archive: the objects of sams_publish AND of
# libhub (which it calls into), merged with `ar -M`, so a district links one library and the
# system ones (pkg-config --static --libs sams_publish) and never meets libhub's name.
#
# The built-in data paths of the programs point at the build machine's source tree (HUB_SOURCE_DIR);
# the installed programs find their data through hub.migrations_dir / hub.reference_dir, which the
# shipped /etc/sams-hub/*.conf.example set. (A compiled-in HUB_DATA_DIR would make that unnecessary;
# see deploy/README.md, "The package".)

set(SAMS_PKG_NAME sams-hub)
set(SAMS_DEV_PKG_NAME libsams-publish-dev)
set(SAMS_DEV_DOCDIR share/doc/${SAMS_DEV_PKG_NAME})
# Every install() below without a COMPONENT goes to sams-hub.
set(CMAKE_INSTALL_DEFAULT_COMPONENT_NAME runtime)
set(SAMS_DATADIR share/sams-hub)
set(SAMS_DOCDIR share/doc/sams-hub)
if(CMAKE_LIBRARY_ARCHITECTURE)
  set(SAMS_LIBDIR lib/${CMAKE_LIBRARY_ARCHITECTURE})
else()
  set(SAMS_LIBDIR lib)
endif()

# --- programs ------------------------------------------------------------------------------------
set(SAMS_PROGRAMS hubctl hub-publish hub-relay hub-readmodel hub-notifier hub-stats hub-open)
set(SAMS_INSTALLED_PROGRAMS "")
foreach(prog ${SAMS_PROGRAMS})
  if(TARGET ${prog})
    install(TARGETS ${prog} RUNTIME DESTINATION bin)
    list(APPEND SAMS_INSTALLED_PROGRAMS ${prog})
  endif()
endforeach()

# --- man pages, from each program's --help (deploy/gen-man.sh) -----------------------------------
set(SAMS_MAN_hubctl "operate the SAMS hub: dev broker, migrations, reports, keys, schools")
set(SAMS_MAN_hub-publish "validate, pseudonymise, sign and publish district events (JSON lines)")
set(SAMS_MAN_hub-readmodel "keep the PostgreSQL read model from the event topics, exactly once")
set(SAMS_MAN_hub-notifier "deliver handovers to the receiving schools (signed webhooks)")
set(SAMS_MAN_hub-stats "publish the protected monthly statistics to the monthly-stats topic")
set(SAMS_MAN_hub-open "open a handover's sealed content with the school's private key")
set(SAMS_MAN_hub-relay "carry a district's transactional outbox to the event topics")
set(SAMS_MAN_PAGES "")
foreach(prog ${SAMS_INSTALLED_PROGRAMS})
  set(page ${CMAKE_BINARY_DIR}/packaging/man/${prog}.1.gz)
  if(NOT DEFINED SAMS_MAN_${prog})
    message(FATAL_ERROR "packaging.cmake: give ${prog} a man page summary (SAMS_MAN_${prog})")
  endif()
  add_custom_command(OUTPUT ${page}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/packaging/man
    COMMAND ${CMAKE_CURRENT_LIST_DIR}/gen-man.sh $<TARGET_FILE:${prog}> ${PROJECT_VERSION}
            "${SAMS_MAN_${prog}}" ${page}
    DEPENDS ${prog} ${CMAKE_CURRENT_LIST_DIR}/gen-man.sh
    COMMENT "Man page ${prog}(1) from its --help" VERBATIM)
  list(APPEND SAMS_MAN_PAGES ${page})
endforeach()
add_custom_target(man_pages ALL DEPENDS ${SAMS_MAN_PAGES})
install(FILES ${SAMS_MAN_PAGES} DESTINATION share/man/man1)

# --- systemd units: one per long-running program that exists ------------------------------------
set(SAMS_UNIT_DIR ${CMAKE_CURRENT_LIST_DIR}/systemd)
foreach(prog hub-relay hub-readmodel hub-notifier hub-stats)
  if(TARGET ${prog} AND EXISTS ${SAMS_UNIT_DIR}/${prog}.service)
    install(FILES ${SAMS_UNIT_DIR}/${prog}.service DESTINATION /lib/systemd/system)
  endif()
endforeach()
if(TARGET hub-readmodel)
  install(FILES ${SAMS_UNIT_DIR}/hub-readmodel-rebuild.service DESTINATION /lib/systemd/system)
endif()

# --- data ----------------------------------------------------------------------------------------
install(DIRECTORY ${CMAKE_SOURCE_DIR}/deploy/migrations/ DESTINATION ${SAMS_DATADIR}/migrations
        FILES_MATCHING PATTERN "*.sql")
install(DIRECTORY ${CMAKE_SOURCE_DIR}/deploy/outbox/ DESTINATION ${SAMS_DATADIR}/outbox
        FILES_MATCHING PATTERN "*.sql")
install(DIRECTORY ${CMAKE_SOURCE_DIR}/schemas/reference/ DESTINATION ${SAMS_DATADIR}/reference)
install(DIRECTORY ${CMAKE_SOURCE_DIR}/schemas/ DESTINATION ${SAMS_DATADIR}/schemas
        FILES_MATCHING PATTERN "*.avsc" PATTERN reference EXCLUDE)
install(FILES ${CMAKE_CURRENT_LIST_DIR}/kafka/cluster.table ${CMAKE_CURRENT_LIST_DIR}/kafka/table.sh
        DESTINATION ${SAMS_DATADIR}/kafka)
install(PROGRAMS ${CMAKE_CURRENT_LIST_DIR}/kafka/apply.sh ${CMAKE_CURRENT_LIST_DIR}/kafka/gen-strimzi.sh
        DESTINATION ${SAMS_DATADIR}/kafka)
install(DIRECTORY ${CMAKE_CURRENT_LIST_DIR}/kafka/strimzi/ DESTINATION ${SAMS_DATADIR}/kafka/strimzi
        FILES_MATCHING PATTERN "*.yaml")

# --- configuration examples (conffiles) ----------------------------------------------------------
file(GLOB SAMS_CONF_EXAMPLES CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/etc/sams-hub/*.conf.example)
install(FILES ${SAMS_CONF_EXAMPLES} DESTINATION /etc/sams-hub)
set(SAMS_CONFFILES "")
foreach(f ${SAMS_CONF_EXAMPLES})
  get_filename_component(n ${f} NAME)
  string(APPEND SAMS_CONFFILES "/etc/sams-hub/${n}\n")
endforeach()
file(WRITE ${CMAKE_BINARY_DIR}/packaging/conffiles "${SAMS_CONFFILES}")

# --- the district library: header, one merged archive, pkg-config --------------------------------
if(TARGET sams_publish AND TARGET hub)
  set(SAMS_MERGED_LIB ${CMAKE_BINARY_DIR}/packaging/libsams_publish.a)
  # libhub is one archive per room (hub/<room>/, hub_<room>); all of them go in.
  get_property(SAMS_HUB_ROOMS GLOBAL PROPERTY HUB_ROOMS)
  set(SAMS_HUB_TARGETS "")
  set(SAMS_HUB_ADDLIBS "")
  foreach(r ${SAMS_HUB_ROOMS})
    string(REGEX REPLACE ":.*" "" r "${r}")
    list(APPEND SAMS_HUB_TARGETS hub_${r})
    string(APPEND SAMS_HUB_ADDLIBS "addlib $<TARGET_FILE:hub_${r}>\n")
  endforeach()
  file(GENERATE OUTPUT ${CMAKE_BINARY_DIR}/packaging/merge.mri CONTENT
"create ${SAMS_MERGED_LIB}
addlib $<TARGET_FILE:sams_publish>
${SAMS_HUB_ADDLIBS}save
end
")
  add_custom_command(OUTPUT ${SAMS_MERGED_LIB}
    COMMAND ${CMAKE_COMMAND} -E rm -f ${SAMS_MERGED_LIB}
    COMMAND ${CMAKE_COMMAND} -DAR=${CMAKE_AR} -DSCRIPT=${CMAKE_BINARY_DIR}/packaging/merge.mri
            -P ${CMAKE_CURRENT_LIST_DIR}/packaging-merge.cmake
    COMMAND ${CMAKE_RANLIB} ${SAMS_MERGED_LIB}
    DEPENDS sams_publish ${SAMS_HUB_TARGETS} ${CMAKE_BINARY_DIR}/packaging/merge.mri
            ${CMAKE_CURRENT_LIST_DIR}/packaging-merge.cmake
    COMMENT "Merging libsams_publish.a and libhub.a into one archive for districts")
  add_custom_target(sams_publish_merged ALL DEPENDS ${SAMS_MERGED_LIB})

  # The archive is static only, so what it calls is in Requires (not .private): a district links
  # with `pkg-config --cflags --libs sams_publish` against the shared system libraries (their -dev
  # packages provide the .pc files). `--static` would also want their own static dependencies.
  # The modules are the public link libraries of libhub's rooms (PkgConfig::<PREFIX> in
  # hub/<room>/CMakeLists.txt), so a library added there reaches the .pc file too.
  set(SAMS_PC_MODULE_RDKAFKA rdkafka)
  set(SAMS_PC_MODULE_AVRO avro-c)
  set(SAMS_PC_MODULE_PQ libpq)
  set(SAMS_PC_MODULE_SSL openssl)
  set(SAMS_PC_MODULE_JANSSON jansson)
  set(SAMS_PC_MODULE_CURL libcurl)
  set(SAMS_PC_MODULE_MHD libmicrohttpd)
  set(SAMS_PC_REQUIRES "")
  set(SAMS_HUB_LINKS "")
  foreach(t hub ${SAMS_HUB_TARGETS})
    get_target_property(links ${t} INTERFACE_LINK_LIBRARIES)
    list(APPEND SAMS_HUB_LINKS ${links})
  endforeach()
  list(REMOVE_DUPLICATES SAMS_HUB_LINKS)
  foreach(lib ${SAMS_HUB_LINKS})
    if(lib MATCHES "^PkgConfig::(.+)$")
      set(prefix ${CMAKE_MATCH_1})
      if(DEFINED SAMS_PC_MODULE_${prefix})
        list(APPEND SAMS_PC_REQUIRES ${SAMS_PC_MODULE_${prefix}})
      else()
        message(WARNING "packaging.cmake: libhub links ${lib}; add its pkg-config module name "
                        "(SAMS_PC_MODULE_${prefix}) so that sams_publish.pc requires it")
      endif()
    endif()
  endforeach()
  list(JOIN SAMS_PC_REQUIRES " " SAMS_PC_REQUIRES)
  file(WRITE ${CMAKE_BINARY_DIR}/packaging/sams_publish.pc
"prefix=/usr
libdir=\${prefix}/${SAMS_LIBDIR}
includedir=\${prefix}/include

Name: sams_publish
Description: SAMS hub: publish placement, school-start, handover, contact-change and follow-up events
Version: ${PROJECT_VERSION}
Requires: ${SAMS_PC_REQUIRES}
Libs: -L\${libdir} -lsams_publish -lm -lpthread
Cflags: -I\${includedir}
")
  install(FILES ${CMAKE_SOURCE_DIR}/producers/include/sams_publish.h DESTINATION include
          COMPONENT dev)
  install(FILES ${SAMS_MERGED_LIB} DESTINATION ${SAMS_LIBDIR} COMPONENT dev)
  install(FILES ${CMAKE_BINARY_DIR}/packaging/sams_publish.pc DESTINATION ${SAMS_LIBDIR}/pkgconfig
          COMPONENT dev)
  install(FILES ${CMAKE_SOURCE_DIR}/producers/examples/publish_placement.c
          DESTINATION ${SAMS_DEV_DOCDIR}/examples COMPONENT dev)
endif()

# --- documentation -------------------------------------------------------------------------------
install(FILES ${CMAKE_SOURCE_DIR}/README.md DESTINATION ${SAMS_DOCDIR})
install(FILES ${CMAKE_CURRENT_LIST_DIR}/README.md DESTINATION ${SAMS_DOCDIR} RENAME deploy-README.md)
foreach(doc producers/INPUT.md producers/OUTBOX.md consumers/STATISTICS.md consumers/NOTIFIER.md
            schemas/SCHEMAS.md)
  if(EXISTS ${CMAKE_SOURCE_DIR}/${doc})
    install(FILES ${CMAKE_SOURCE_DIR}/${doc} DESTINATION ${SAMS_DOCDIR})
  endif()
endforeach()
install(DIRECTORY ${CMAKE_SOURCE_DIR}/producers/examples/ DESTINATION ${SAMS_DOCDIR}/examples
        PATTERN "*.c" EXCLUDE)
install(FILES ${CMAKE_SOURCE_DIR}/consumers/examples/read_topic.py DESTINATION ${SAMS_DOCDIR}/examples)
# Debian's changelog, compressed as policy wants it, in each package's doc directory.
set(SAMS_CHANGELOG ${CMAKE_BINARY_DIR}/packaging/changelog.Debian.gz)
add_custom_command(OUTPUT ${SAMS_CHANGELOG}
  COMMAND gzip -9n -c ${CMAKE_CURRENT_LIST_DIR}/debian/changelog > ${SAMS_CHANGELOG}
  DEPENDS ${CMAKE_CURRENT_LIST_DIR}/debian/changelog
  COMMENT "changelog.Debian.gz")
add_custom_target(debian_changelog ALL DEPENDS ${SAMS_CHANGELOG})
install(FILES ${SAMS_CHANGELOG} DESTINATION ${SAMS_DOCDIR})
install(FILES ${SAMS_CHANGELOG} DESTINATION ${SAMS_DEV_DOCDIR} COMPONENT dev)
file(WRITE ${CMAKE_BINARY_DIR}/packaging/copyright
"Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: sams-hub
Comment: The SAMS integration hub for placed children's schooling, City of Stockholm.

Files: *
Copyright: City of Stockholm
License: proprietary
 Internal use by the City of Stockholm and its districts.
")
install(FILES ${CMAKE_BINARY_DIR}/packaging/copyright DESTINATION ${SAMS_DOCDIR})
install(FILES ${CMAKE_BINARY_DIR}/packaging/copyright DESTINATION ${SAMS_DEV_DOCDIR} COMPONENT dev)

# --- CPack: two Debian packages ----------------------------------------------------------------
set(CPACK_GENERATOR DEB)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL runtime dev)
set(CPACK_PACKAGE_NAME ${SAMS_PKG_NAME})
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "City of Stockholm")
set(CPACK_PACKAGE_CONTACT "SAMS hub operations <sams-hub@stockholm.example>")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_STRIP_FILES ON)

# sams-hub: the programs. dpkg-shlibdeps computes the dependencies from them (librdkafka1,
# libpq5, libssl3, libjansson4, libcurl4, libmicrohttpd12, libglpk40, libc6).
set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME ${SAMS_PKG_NAME})
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SECTION misc)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SUGGESTS "postgresql-client-15, ${SAMS_DEV_PKG_NAME}")
set(CPACK_DEBIAN_RUNTIME_PACKAGE_CONTROL_EXTRA ${CMAKE_BINARY_DIR}/packaging/conffiles)
set(CPACK_COMPONENT_RUNTIME_DESCRIPTION
"SAMS hub: Kafka and PostgreSQL integration for placed children's schooling
 District systems publish placement, school-start, handover, contact-change and
 follow-up events (Avro, pseudonymised, signed); the hub keeps a PostgreSQL read
 model exactly once, notifies receiving schools, and reports protected monthly
 statistics and the tertial follow-up of schooling.
 .
 Contains hubctl, hub-publish and the consumers with their systemd units and
 man pages, the SQL migrations, reference data and schemas, the topic and ACL
 definitions for a real Kafka cluster, and the schools' contract (NOTIFIER.md).")

# libsams-publish-dev: a district system written in C links the one static archive; what it
# calls are Debian's shared libraries, so their -dev packages (the .pc files of Requires) are
# dependencies here.
set(CPACK_DEBIAN_DEV_PACKAGE_NAME ${SAMS_DEV_PKG_NAME})
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS
    "librdkafka-dev, libpq-dev, libssl-dev, libjansson-dev, libcurl4-openssl-dev | libcurl-dev, libmicrohttpd-dev, pkg-config")
set(CPACK_COMPONENT_DEV_DESCRIPTION
"SAMS hub: C library for district systems publishing events
 sams_publish.h and libsams_publish.a (one self-contained static archive) with
 its pkg-config file: a district system written in C validates, pseudonymises,
 seals, signs and publishes placement, school-start, handover and
 contact-change events exactly as hub-publish does. Example in
 /usr/share/doc/libsams-publish-dev/examples.")
include(CPack)
