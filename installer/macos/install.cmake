# macOS: an application bundle with Info.plist, Qt's frameworks through Qt's deploy script, a
# drag-and-drop disk image, and a launchd property list for the headless agent. Included from
# installer/CMakeLists.txt.

set(VCS_BUNDLE_IDENTIFIER "io.github.vcs-agent")
set_target_properties(vcs-agent PROPERTIES
    MACOSX_BUNDLE ON
    MACOSX_BUNDLE_INFO_PLIST ${CMAKE_CURRENT_SOURCE_DIR}/macos/Info.plist.in
    MACOSX_BUNDLE_BUNDLE_NAME "VCS Agent"
    MACOSX_BUNDLE_GUI_IDENTIFIER "${VCS_BUNDLE_IDENTIFIER}"
    MACOSX_BUNDLE_BUNDLE_VERSION "${PROJECT_VERSION}"
    MACOSX_BUNDLE_SHORT_VERSION_STRING "${PROJECT_VERSION}")

qt_generate_deploy_app_script(
    TARGET vcs-agent
    FILENAME_VARIABLE vcs_deploy_script
    NO_UNSUPPORTED_PLATFORM_ERROR)
install(SCRIPT ${vcs_deploy_script})

configure_file(${CMAKE_CURRENT_SOURCE_DIR}/macos/io.github.vcs-agent.agent.plist.in
               ${CMAKE_CURRENT_BINARY_DIR}/macos/io.github.vcs-agent.agent.plist @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/macos/io.github.vcs-agent.agent.plist
        DESTINATION "vcs-agent.app/Contents/Resources")

set(CPACK_GENERATOR "DragNDrop")
set(CPACK_DMG_VOLUME_NAME "VCS Agent ${PROJECT_VERSION}")
set(CPACK_DMG_FORMAT "UDZO")
# NOTE: there is no .icns of the application icon yet, so the bundle shows the default icon;
# set MACOSX_BUNDLE_ICON_FILE and add the file to the target once there is one.
