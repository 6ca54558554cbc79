# Linux: systemd units, environment files, the sysusers.d entry for the gateway's user, and the
# desktop entry and icon of the tray app. Included from installer/CMakeLists.txt.

if(NOT CMAKE_INSTALL_PREFIX STREQUAL "/usr")
    message(STATUS "Linux packages and units will use the prefix ${CMAKE_INSTALL_PREFIX}; "
                   "configure with -DCMAKE_INSTALL_PREFIX=/usr for distribution packages")
endif()

set(vcs_linux_dir ${CMAKE_CURRENT_SOURCE_DIR}/linux)
set(vcs_generated_dir ${CMAKE_CURRENT_BINARY_DIR}/linux)

configure_file(${vcs_linux_dir}/vcs-agent.service.in ${vcs_generated_dir}/vcs-agent.service @ONLY)
configure_file(${vcs_linux_dir}/vcs-gateway.service.in ${vcs_generated_dir}/vcs-gateway.service
               @ONLY)
install(FILES ${vcs_generated_dir}/vcs-agent.service ${vcs_generated_dir}/vcs-gateway.service
        DESTINATION lib/systemd/system)
install(FILES ${vcs_linux_dir}/vcs-gateway.sysusers
        DESTINATION lib/sysusers.d RENAME vcs-gateway.conf)

# The environment files hold the pool token and the API key, so only root reads them.
install(FILES ${vcs_linux_dir}/agent.env
        DESTINATION ${VCS_SYSCONFDIR}/vcs-agent
        PERMISSIONS OWNER_READ OWNER_WRITE)
install(FILES ${vcs_linux_dir}/gateway.env
        DESTINATION ${VCS_SYSCONFDIR}/vcs-gateway
        PERMISSIONS OWNER_READ OWNER_WRITE)

if(VCS_AGENT_GUI)
    install(FILES ${vcs_linux_dir}/vcs-agent.desktop DESTINATION ${CMAKE_INSTALL_DATADIR}/applications)
    install(FILES ${PROJECT_SOURCE_DIR}/resources/icons/app.svg
            DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/scalable/apps
            RENAME vcs-agent.svg)
endif()

# Debian: maintainer scripts under the names dpkg expects, and the environment files as
# conffiles so that upgrades keep the administrator's settings.
set(vcs_deb_control_dir ${vcs_generated_dir}/deb)
foreach(script postinst prerm postrm)
    file(COPY ${vcs_linux_dir}/deb-${script} DESTINATION ${vcs_deb_control_dir}
         FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE
                          WORLD_READ WORLD_EXECUTE)
    file(RENAME ${vcs_deb_control_dir}/deb-${script} ${vcs_deb_control_dir}/${script})
endforeach()
file(WRITE ${vcs_deb_control_dir}/conffiles
     "${VCS_SYSCONFDIR}/vcs-agent/agent.env\n${VCS_SYSCONFDIR}/vcs-gateway/gateway.env\n")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${vcs_deb_control_dir}/postinst ${vcs_deb_control_dir}/prerm ${vcs_deb_control_dir}/postrm
    ${vcs_deb_control_dir}/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION "net")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# The SQLite driver is a plugin, which shlibdeps cannot see. On Debian 12 the xcb platform plugin
# and the SVG plugins come with libqt6gui6 and libqt6svg6, which shlibdeps finds.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libqt6sql6-sqlite")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "systemd")
if(VCS_AGENT_GUI)
    set(CPACK_DEBIAN_PACKAGE_SUGGESTS "gnome-keyring")
endif()

# RPM: the same scripts, the environment files as %config(noreplace) with mode 0600, and no
# ownership claim on system folders.
set(CPACK_RPM_FILE_NAME RPM-DEFAULT)
set(CPACK_RPM_PACKAGE_GROUP "Applications/Internet")
set(CPACK_RPM_PACKAGE_AUTOREQ ON)
set(CPACK_RPM_POST_INSTALL_SCRIPT_FILE ${vcs_linux_dir}/rpm-post)
set(CPACK_RPM_PRE_UNINSTALL_SCRIPT_FILE ${vcs_linux_dir}/rpm-preun)
set(CPACK_RPM_POST_UNINSTALL_SCRIPT_FILE ${vcs_linux_dir}/rpm-postun)
set(CPACK_RPM_USER_FILELIST
    "%config(noreplace) %attr(0600,root,root) ${VCS_SYSCONFDIR}/vcs-agent/agent.env"
    "%config(noreplace) %attr(0600,root,root) ${VCS_SYSCONFDIR}/vcs-gateway/gateway.env")
set(CPACK_RPM_EXCLUDE_FROM_AUTO_FILELIST_ADDITION
    ${VCS_SYSCONFDIR} /lib /lib/systemd /lib/systemd/system /lib/sysusers.d
    ${CMAKE_INSTALL_PREFIX}/lib/systemd ${CMAKE_INSTALL_PREFIX}/lib/systemd/system
    ${CMAKE_INSTALL_PREFIX}/lib/sysusers.d
    ${CMAKE_INSTALL_FULL_DATADIR}/applications ${CMAKE_INSTALL_FULL_DATADIR}/icons
    ${CMAKE_INSTALL_FULL_DATADIR}/icons/hicolor ${CMAKE_INSTALL_FULL_DATADIR}/icons/hicolor/scalable
    ${CMAKE_INSTALL_FULL_DATADIR}/icons/hicolor/scalable/apps)

set(CPACK_GENERATOR "DEB;RPM")
