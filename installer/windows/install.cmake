# Windows: Qt's runtime next to the programs through Qt's deploy script, and a WiX installer with
# a fixed upgrade code, a Start-menu entry for the tray app and the headless agent registered as
# a Windows service (windows/service.wxs.in). Included from installer/CMakeLists.txt.

foreach(vcs_target vcs-agent vcs-gateway)
    qt_generate_deploy_app_script(
        TARGET ${vcs_target}
        FILENAME_VARIABLE vcs_deploy_script
        NO_UNSUPPORTED_PLATFORM_ERROR)
    install(SCRIPT ${vcs_deploy_script})
endforeach()

configure_file(${CMAKE_CURRENT_SOURCE_DIR}/windows/service.wxs.in
               ${CMAKE_CURRENT_BINARY_DIR}/windows/service.wxs @ONLY)

set(CPACK_GENERATOR "WIX;ZIP")
# Never change this code: Windows Installer finds the installed version to upgrade by it.
set(CPACK_WIX_UPGRADE_GUID "5B0C7E52-3E8A-4F0B-9A51-4C2D8E7F1A36")
set(CPACK_WIX_PROGRAM_MENU_FOLDER "VCS Agent")
# The patch adds ServiceInstall to the component of bin/vcs-agent.exe, whose id CPack derives
# from that path (CM_CP_bin.vcs_agent.exe), and restart-on-failure settings from the util
# extension.
set(CPACK_WIX_PATCH_FILE ${CMAKE_CURRENT_BINARY_DIR}/windows/service.wxs)
set(CPACK_WIX_EXTENSIONS "WixUtilExtension")
set(CPACK_WIX_CUSTOM_XMLNS "util=http://schemas.microsoft.com/wix/UtilExtension")
set(CPACK_WIX_PROPERTY_ARPURLINFOABOUT "${PROJECT_HOMEPAGE_URL}")
# NOTE: there is no .ico of the application icon yet, so the installer and the Start-menu
# entry use the executable's default icon; set CPACK_WIX_PRODUCT_ICON once there is one.
